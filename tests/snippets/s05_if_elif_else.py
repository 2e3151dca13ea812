# if / elif / else and truthiness of builtin values.
for v in [0, 1, -1, "", "x", [], [0], (), (0,), {}, {"a": 1}, None, True, False]:
    if v:
        r = "truthy"
    elif v is None:
        r = "none"
    else:
        r = "falsy"
    print(repr(v), r)
