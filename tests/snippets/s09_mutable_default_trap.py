# The mutable-default trap: the default list is created once and held by the function.
import gc, sys
def add(item, bucket=[]):
    bucket.append(item)
    return bucket
first = add(1)
second = add(2)
print(first, second, first is second)
print(add.__defaults__)
print(sys.getrefcount(first))   # first, second, the defaults tuple, the argument
def fresh(item, bucket=None):
    if bucket is None:
        bucket = []
    bucket.append(item)
    return bucket
print(fresh(1), fresh(2))
