#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that can stop answering in the middle of an answer, for the stalled-peer tests.

    scripts/stall-proxy.py LISTEN_PORT TARGET RULE_FILE LOG_FILE

TARGET is a unix socket path (starting with /) or a TCP port on 127.0.0.1. RULE_FILE is read again for every
answer, so a test arms and disarms the proxy while its client runs; each line is a rule:

    stall SUBSTRING   the answer to a request whose request line contains SUBSTRING is forwarded up to the end
                      of its head and half of the body bytes that came with it, then nothing more
    mute SUBSTRING    an answer to such a request is forwarded until a piece of it arrives while the rule is
                      in the file; from then on nothing more: a stream that falls silent without closing
    hold SUBSTRING    such a request never reaches the server, nor does anything after it on that connection:
                      a request lost on the way, which the server never applies

A stalled or muted connection is held open (what the server sends is read and dropped) until the client closes
it. Every request line, every piece of an answer passed on ("answering REQUEST" for its first, "passed REQUEST"
for the rest), and every stall, mute and hold ("stalled REQUEST", "muted REQUEST", "held REQUEST") are appended
to LOG_FILE.
"""
import asyncio
import re
import sys

REQUEST_LINE = re.compile(rb"(?:GET|POST|PUT|DELETE|HEAD) \S+ HTTP/1\.[01]\r\n")


def rules(path):
    try:
        with open(path) as f:
            return [line.split(None, 1) for line in f.read().splitlines() if len(line.split(None, 1)) == 2]
    except OSError:
        return []


def armed(rule_file, kind, request):
    return request is not None and any(k == kind and s in request for k, s in rules(rule_file))


class Connection:
    def __init__(self):
        self.request = None  # the request line whose answer the server is sending
        self.answer_begins = False  # the next bytes from the server begin that answer
        self.stalling = b""  # the head of an answer to stall, until it is whole
        self.is_stalling = False
        self.silenced = False
        self.held = False  # a request was held: nothing more goes to the server


async def from_client(reader, writer, connection, rule_file, log):
    try:
        while data := await reader.read(65536):
            if connection.held:
                continue
            for match in REQUEST_LINE.finditer(data):
                request = match.group(0).decode().strip()
                log(request)
                if armed(rule_file, "hold", request):
                    connection.held = True
                    log("held " + request)
                    data = data[: match.start()]
                    break
                connection.request = request
                connection.answer_begins = True
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def from_server(reader, writer, connection, rule_file, log):
    try:
        while data := await reader.read(65536):
            if connection.silenced:
                continue
            answer_begins = connection.answer_begins
            if answer_begins:
                connection.answer_begins = False
                connection.is_stalling = armed(rule_file, "stall", connection.request)
                connection.stalling = b""
            if connection.is_stalling:
                connection.stalling += data
                end = connection.stalling.find(b"\r\n\r\n")
                if end < 0:
                    continue
                body = connection.stalling[end + 4 :]
                data = connection.stalling[: end + 4] + body[: (len(body) + 1) // 2]
                connection.silenced = True
                log("stalled " + connection.request)
            elif armed(rule_file, "mute", connection.request):
                connection.silenced = True
                log("muted " + connection.request)
                continue
            log(("answering " if answer_begins else "passed ") + connection.request)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def main():
    listen_port, target, rule_file, log_file = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]

    def log(line):
        with open(log_file, "a") as f:
            f.write(line + "\n")

    async def handle(client_reader, client_writer):
        try:
            if target.startswith("/"):
                server_reader, server_writer = await asyncio.open_unix_connection(target)
            else:
                server_reader, server_writer = await asyncio.open_connection("127.0.0.1", int(target))
        except OSError:
            client_writer.close()
            return
        connection = Connection()
        await asyncio.gather(
            from_client(client_reader, server_writer, connection, rule_file, log),
            from_server(server_reader, client_writer, connection, rule_file, log),
        )

    server = await asyncio.start_server(handle, "127.0.0.1", listen_port)
    async with server:
        await server.serve_forever()


asyncio.run(main())
