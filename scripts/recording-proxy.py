#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 to a unix socket that records the request line of every request clients send.

    scripts/recording-proxy.py LISTEN_PORT UNIX_SOCKET RECORD_FILE

Used by the tests that check what the agent asks Docker: each connection's bytes towards the server are
split into lines as they come, and every line that reads as an HTTP request line (`METHOD /path HTTP/1.x`) is
appended to RECORD_FILE, whole, one per line, whatever the other connections do meanwhile. Everything is
passed on unchanged in both directions.
"""
import asyncio
import re
import sys

REQUEST_LINE = re.compile(rb"^[A-Z]+ /\S* HTTP/1\.[01]$")


async def forward(reader, writer, record=None):
    pending = b""
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            if record is not None:
                pending += data
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    if REQUEST_LINE.match(line.rstrip(b"\r")):
                        record.write(line.rstrip(b"\r") + b"\n")
                        record.flush()
                # A request line is short: what is left unsplit beyond that is a body.
                pending = pending[-8192:]
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def main():
    listen_port, socket_path, record_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    record = open(record_path, "ab")

    async def handle(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_unix_connection(socket_path)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            forward(client_reader, server_writer, record),
            forward(server_reader, client_writer),
        )

    server = await asyncio.start_server(handle, "127.0.0.1", listen_port)
    async with server:
        await server.serve_forever()


asyncio.run(main())
