"""Names of jitted .NET code at an address, from the runtime's perf-PID.map (DOTNET_PerfMapEnabled=1) in the temporary
directory (or DOTNET_PerfMapJitDumpPath): perf cannot name that code itself (the runtime maps it through a deleted
memfd, so perf does not look in the map). Shared by thread-profile.py and wake-callers.py."""
import bisect
import os
import re
import tempfile

MAP_DIR = os.environ.get("DOTNET_PerfMapJitDumpPath") or tempfile.gettempdir()
_maps = {}


def _perf_map(pid):
    if pid not in _maps:
        rows = []
        try:
            for line in open(os.path.join(MAP_DIR, f"perf-{pid}.map")):
                a, n, name = line.rstrip("\n").split(" ", 2)
                rows.append((int(a, 16), int(n, 16), name))
        except OSError:
            pass
        rows.sort()
        _maps[pid] = ([r[0] for r in rows], rows)
    return _maps[pid]


def jitted_name(pid, ip):
    """The method of process pid's jitted code at ip, its tier tag left out; None when the map has no such code."""
    starts, rows = _perf_map(pid)
    i = bisect.bisect_right(starts, ip) - 1
    if i >= 0 and ip < rows[i][0] + rows[i][1]:
        return re.sub(r"\[(OptimizedTier1|Optimized|Tier0|Tier1|PreJIT|QuickJitted|Instrumented)[^\]]*\]", "", rows[i][2]).strip()
    return None
