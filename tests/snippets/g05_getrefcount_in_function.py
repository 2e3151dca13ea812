# Refcounts seen from inside a function: the caller's name plus the parameter.
import sys
def inner(obj):
    return sys.getrefcount(obj)
def outer(obj):
    local = obj
    return sys.getrefcount(obj), inner(obj)
data = {}
print(sys.getrefcount(data), inner(data), outer(data))
