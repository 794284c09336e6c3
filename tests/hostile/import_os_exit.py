"""At import time: os._exit(0), which skips every finally block and atexit handler."""
import os

os._exit(0)
