"""At import time: print 200 MB."""
_line = "__MARKER__ " + "y" * 1000
for _ in range(200_000):
    print(_line)
