#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that delays what clients send by the seconds written in a file.

    scripts/slow-proxy.py LISTEN_PORT TARGET_PORT DELAY_FILE

Used by the fault tests to make etcd slow: every chunk a client sends waits DELAY_FILE's number of seconds
(read anew for each chunk, so a test can slow etcd down and speed it up while the agent runs) before it is
forwarded. Answers are passed back at once.
"""
import asyncio
import sys


def delay(path):
    try:
        with open(path) as f:
            return float(f.read().strip() or 0)
    except (OSError, ValueError):
        return 0.0


async def forward(reader, writer, delay_file):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            if delay_file:
                await asyncio.sleep(delay(delay_file))
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def main():
    listen_port, target_port, delay_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]

    async def handle(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            forward(client_reader, server_writer, delay_file),
            forward(server_reader, client_writer, None),
        )

    server = await asyncio.start_server(handle, "127.0.0.1", listen_port)
    async with server:
        await server.serve_forever()


asyncio.run(main())
