#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that, once armed, cuts the connection carrying the next request of a given path.

    scripts/drop-proxy.py LISTEN_PORT TARGET_PORT CONTROL_FILE

CONTROL_FILE holds a path such as /v3/lease/keepalive to arm the proxy, or nothing. The next client chunk that
holds a request for that path is not forwarded: the client's connection is closed instead, as a peer that
fails once would, and CONTROL_FILE is emptied and "dropped" written to CONTROL_FILE.log, so exactly one
request is lost. Everything else passes through both ways.
"""
import asyncio
import sys


def armed(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ""


async def pipe(reader, writer, control=None):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            target = armed(control) if control else ""
            if target and (b" " + target.encode() + b" ") in data:
                open(control, "w").close()
                with open(control + ".log", "a") as log:
                    log.write("dropped\n")
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def main(listen, target, control):
    async def handle(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            client_writer.close()
            return
        upstream = asyncio.create_task(pipe(client_reader, server_writer, control))
        downstream = asyncio.create_task(pipe(server_reader, client_writer))
        await upstream
        # A dropped request ends the client's connection at once, not only after the server's answer.
        client_writer.close()
        server_writer.close()
        await downstream

    server = await asyncio.start_server(handle, "127.0.0.1", listen)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]))
