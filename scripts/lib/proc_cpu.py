"""What the /proc samplers of a local cluster (node-cpu.py, cpu-samples.py) share: finding its node processes and
reading a process's or thread's CPU ticks, naming a thread's kind. Reads files only; it starts no process."""
import os
import re


def cluster_nodes(mark, command="node"):
    """pid (as in /proc) -> node name (its --name, else its --role, else COMMAND) of every `distnn … COMMAND` process
    (`node` by default; `train` finds a run in one process) whose command line holds MARK (e.g. its seed's
    127.0.0.1:PORT)."""
    found = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().decode(errors="replace").split("\0")
        except OSError:
            continue
        if command not in cmd or not any("distnn" in c for c in cmd) or not any(mark in c for c in cmd):
            continue
        found[pid] = next((cmd[cmd.index(flag) + 1] for flag in ("--name", "--role") if flag in cmd[:-1]), command)
    return found


def stat(path):
    """(name, user + system ticks) of a /proc stat file (a process's or a thread's)."""
    with open(path) as f:
        text = f.read()
    fields = text[text.rindex(")") + 2:].split()
    return text[text.index("(") + 1:text.rindex(")")], int(fields[11]) + int(fields[12])


def thread_kind(name):
    """A thread's name without the number at its end (distnn.compute-3 -> distnn.compute): threads of one kind summed."""
    return re.sub(r"[-_ ]?\d+$", "", name)
