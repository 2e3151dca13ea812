# Classes: __init__, methods, class attributes, instance attributes shadowing them.
class Counter:
    total = 0
    def __init__(self, start):
        self.value = start
        Counter.total += 1
    def inc(self, by=1):
        self.value += by
        return self.value
c = Counter(5)
d = Counter(10)
print(c.inc(), c.inc(3), d.inc())
print(Counter.total, c.total)
c.total = "shadow"
print(c.total, Counter.total, d.total)
print(isinstance(c, Counter), isinstance(1, Counter))
print(type(c).__name__, Counter.__name__)
