#!/usr/bin/env python3
"""Holds COUNT idle TCP connections to each of PORTS on HOST until STOPFILE exists: opens them, sends nothing, and once
a second reopens those the server closed (a flood that keeps trying). Prints how many it held and reopened.
Used by scripts/bench-flood.sh:  flood-idle-connections.py HOST PORT[,PORT…] COUNT STOPFILE"""
import os
import resource
import select
import socket
import sys
import time

host, ports, count, stopfile = sys.argv[1], [int(p) for p in sys.argv[2].split(",")], int(sys.argv[3]), sys.argv[4]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count * len(ports) + 256)), hard))
held = {}  # fd -> (socket, port)
per_port = {p: 0 for p in ports}
reopened = 0
most = 0
poller = select.poll()

while not os.path.exists(stopfile):
    # A socket the server closed polls readable (0 bytes to read) or hung up: close it, open another below.
    for fd, events in poller.poll(0):
        s, port = held[fd]
        gone = bool(events & (select.POLLHUP | select.POLLERR))
        if not gone:
            try:
                gone = s.recv(1, socket.MSG_PEEK) == b""
            except BlockingIOError:
                pass
            except OSError:
                gone = True
        if gone:
            poller.unregister(fd)
            del held[fd]
            s.close()
            per_port[port] -= 1
            reopened += 1
    for port in ports:
        while per_port[port] < count:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            if s.connect_ex((host, port)) not in (0, 115):  # 115: EINPROGRESS
                s.close()
                break
            held[s.fileno()] = (s, port)
            poller.register(s.fileno(), select.POLLIN | select.POLLHUP | select.POLLERR)
            per_port[port] += 1
    most = max(most, len(held))
    time.sleep(1)
print(f"flood: {most} connections held at most to {len(ports)} port(s), {reopened} reopened after the server closed them")
