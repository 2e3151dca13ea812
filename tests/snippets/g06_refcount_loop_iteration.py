# A for loop's iterator holds the list it walks.
import sys
items = []
print(sys.getrefcount(items))
for _ in [1]:
    print(sys.getrefcount(items))
for _ in items:
    pass
for i in range(1):
    for _ in items or [0]:
        pass
seq = [1, 2]
for v in seq:
    print(v, sys.getrefcount(seq))
