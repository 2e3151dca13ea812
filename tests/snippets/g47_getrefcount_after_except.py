# The name bound by "except ... as e" is deleted at the end of the handler.
import sys
try:
    raise KeyError("k")
except KeyError as e:
    print(type(e).__name__)
try:
    e
except NameError:
    print("e is unbound after the handler")
