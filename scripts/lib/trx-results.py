#!/usr/bin/env python3
"""Prints the tests of one outcome from TRX files, each with its message's first lines (scripts/test.sh).

Usage: trx-results.py OUTCOME MAX_LINES FILE.trx...   (OUTCOME: NotExecuted for the skipped, Failed for the failed)
"""
import sys
import xml.etree.ElementTree as ET

ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
outcome, max_lines = sys.argv[1], int(sys.argv[2])
for trx in sys.argv[3:]:
    for r in ET.parse(trx).getroot().iterfind(".//t:UnitTestResult", ns):
        if r.get("outcome") == outcome:
            m = r.find(".//t:Message", ns)
            lines = (m.text or "").strip().splitlines()[:max_lines] if m is not None else ["no reason given"]
            print(f"  {r.get('testName')}")
            for line in lines:
                print(f"    {line[:300]}")
