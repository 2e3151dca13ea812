# An exception in __del__ is reported on stderr and ignored.
import gc
gc.disable()
class Bad:
    def __del__(self):
        raise ValueError("from __del__")
b = Bad()
del b
print("still running")
