# pass and assert.
def f():
    pass
class Empty:
    pass
print(f(), type(Empty()).__name__)
assert 1 + 1 == 2
assert True, "not shown"
try:
    assert 1 > 2, "one is not greater"
except AssertionError as e:
    print("AssertionError:", e)
try:
    assert []
except AssertionError as e:
    print("bare AssertionError", repr(str(e)))
