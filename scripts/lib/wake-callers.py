#!/usr/bin/env python3
"""The wakes of a cluster's threads by caller, from `perf script -F comm,pid,tid,trace,ip,sym` of
`perf record -a -g -e sched:sched_waking` (scripts/trace-wakes.sh).

    wake-callers.py THREADS WAKES BATCHES [--frames K]

THREADS: lines "PID NODE TID NAME" (every thread of every node). For each node: its threads' wakes per batch by the
woken thread's kind, then by (woken kind ← waker: caller), the caller being how the wake came about: the kernel's path
(a futex wake, a socket's epoll callback, a blocked recv's data, a timer) and the first K (default 3) managed frames
under it that are not the runtime's or Akka's plumbing, named from the waker's perf-PID.map (DOTNET_PerfMapEnabled=1)."""
import collections
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from perfmap import jitted_name  # noqa: E402

threads_file, wakes_file, per = sys.argv[1], sys.argv[2], float(sys.argv[3])
K = int(sys.argv[sys.argv.index("--frames") + 1]) if "--frames" in sys.argv else 3

node_of, tname, pid_node = {}, {}, {}
for line in open(threads_file):
    parts = line.rstrip("\n").split(" ", 3)
    if len(parts) < 4:
        continue
    pid, node, tid, name = parts
    node_of[int(tid)] = node
    tname[int(tid)] = name
    pid_node[int(pid)] = node


def name(pid, ip, sym):
    if sym and sym != "[unknown]":
        return sym
    n = jitted_name(pid, ip)
    return re.sub(r"\(.*\)$", "", n) if n is not None else None


def kind(tid, comm):
    n = tname.get(tid, comm)
    return re.sub(r"[-_ ]?\d+$", "", n)


PLUMBING = re.compile(
    r"^(System\.Threading\.|System\.Runtime\.|System\.Collections\.Concurrent\.|Akka\.Dispatch\.|Akka\.Actor\.ActorCell\.(Send|Post|Tell)|"
    r"Akka\.Actor\.(ActorRefImplicitSenderExtensions|ICanTell|ActorRefExtensions|LocalActorRef\.TellInternal|ActorRefBase\.Tell|"
    r"RepointableActorRef\.TellInternal|Futures|EmptyLocalActorRef|InternalActorRefBase)|Akka\.Util\.|"
    r"System\.Net\.Sockets\.SocketAsyncContext\+OperationQueue|System\.Net\.Sockets\.SocketAsyncEngine\.(System|Execute)|"
    r"DistNN\.Training\.Actors\.ComputeExecutor\.(Execute|Enqueue)|__|[a-z_]+$|\[)")


def kernel_path(frames):
    names = [f for f in frames]
    for key, label in (("ep_poll_callback", "socket readable → epoll"), ("futex_wake", "futex"), ("hrtimer_wakeup", "timer"),
                       ("sock_def_readable", "socket data"), ("sk_stream_write_space", "socket room"),
                       ("sock_def_write_space", "socket room"), ("pipe_write", "pipe"), ("eventfd_write", "eventfd"),
                       ("do_exit", "exit"), ("signal_wake_up", "signal"), ("process_timeout", "timeout")):
        if key in names:
            return label
    return names[1] if len(names) > 1 else "?"


totals = collections.defaultdict(collections.Counter)
callers = collections.defaultdict(collections.Counter)
event = None


def flush(ev):
    if ev is None:
        return
    waker_pid, waker_tid, waker_comm, wakee, wakee_comm, frames = ev
    if wakee not in node_of:
        return
    node = node_of[wakee]
    kframes = [s for (ip, s) in frames if ip >= 0xffff800000000000]
    uframes = [name(waker_pid, ip, s) for (ip, s) in frames if ip < 0xffff800000000000]
    path = kernel_path(kframes)
    managed = []
    for f in uframes:
        if f is None or PLUMBING.match(f):
            continue
        short = re.sub(r"`\d+|\[[^\]]*\]", "", f)
        if not managed or managed[-1] != short:
            managed.append(short)
        if len(managed) == K:
            break
    wnode = pid_node.get(waker_pid, "other")
    waker = f"{wnode}:{kind(waker_tid, waker_comm)}" if wnode != node else kind(waker_tid, waker_comm)
    if waker_pid == 0 or waker_comm == "swapper":
        waker = "kernel (idle/irq)"
    totals[node][kind(wakee, wakee_comm)] += 1
    callers[node][(kind(wakee, wakee_comm), waker, path, " < ".join(managed) or "-")] += 1


for line in open(wakes_file):
    if not line.strip():
        continue
    if not line.startswith(("\t", " ")) or "comm=" in line:
        m = re.match(r"\s*(.*?)\s+(\d+)/(\d+)\s+comm=(.*) pid=(\d+) prio", line)
        if m:
            flush(event)
            comm, pid, tid, wcomm, wpid = m.groups()
            event = (int(pid), int(tid), comm, int(wpid), wcomm, [])
            continue
    m = re.match(r"\s+([0-9a-f]+)\s+(.*)$", line)
    if m and event is not None:
        event[5].append((int(m.group(1), 16), m.group(2).strip()))
flush(event)

for node in sorted(totals):
    t = totals[node]
    print(f"\n== {node}: {sum(t.values()) / per:.1f} wakes per batch; by woken thread: "
          + ", ".join(f"{k} {v / per:.1f}" for k, v in t.most_common()))
    for (wk, waker, path, chain), v in callers[node].most_common(40):
        if v / per < 0.2:
            break
        print(f"  {v / per:6.2f}  {wk} ← {waker} [{path}] {chain[:230]}")
