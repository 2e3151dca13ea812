# raise of builtin and user exception classes; bare raise; except order.
class AppError(Exception):
    pass
class NotFound(AppError):
    pass
def find(k):
    raise NotFound("missing " + k)
try:
    find("x")
except AppError as e:
    print(type(e).__name__, e, e.args, isinstance(e, Exception))
try:
    try:
        raise ValueError("inner")
    except ValueError:
        print("handling")
        raise
except ValueError as e:
    print("re-raised:", e)
try:
    raise KeyError
except LookupError as e:
    print("caught KeyError as LookupError", repr(e))
