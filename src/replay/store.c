/* src/replay/store.c — the replay model's compact object store (issue #8):
 * 64-byte records in a pool of fixed 4096-record blocks named by stable u32
 * handles (a purged record's slot is reused after the next compaction, which
 * runs when holes reach 1/16 of the objects and M_COMPACT_MIN, and finds them
 * in a bitmap), the id-ordered handle array, the id -> handle hash
 * (multiply-shift hashing, one probe run for ALLOC's find-or-insert), the
 * lookup cache's reset, the wide-value
 * side table for the rare values that do not fit a narrow field, the string
 * table (type, site and slot pointers as u32 ids) and the label arena. Start
 * at gcs_store_insert(). Nothing here knows what an event means (model.c). */
#include <stdlib.h>
#include <string.h>

#include "gcscope/errors.h"
#include "model.h"

/* {==== Hashing ====} */

static inline size_t
hash64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x;
}

/* Home slot of an object id in the index (2^(64 - shift) slots): Fibonacci
 * hashing, one multiply (ids are mostly consecutive; the top bits of the
 * product spread them evenly). */
static inline size_t
idx_home(uint64_t id, unsigned shift)
{
    return (size_t)((id * 0x9E3779B97F4A7C15ULL) >> shift);
}

/* {==== Pool ====} */

/* A free record slot (reused first), or a new one; M_NIL on ENOMEM. */
static uint32_t
slot_new(gcs_model *m)
{
    if (m->free_h != M_NIL) {
        uint32_t h = m->free_h;
        m->free_h = gcs_model_obj(m, h)->out;
        return h;
    }
    if (m->pool_n >= M_NIL - 1)
        return M_NIL;
    size_t b = m->pool_n >> M_BLOCK_BITS;
    if (b == m->n_blocks) {
        m_obj **nb = realloc(m->blocks, (b + 1) * sizeof *nb);
        if (nb == NULL)
            return M_NIL;
        m->blocks = nb;
        uint64_t *pb = realloc(m->pbits, (b + 1) * (M_BLOCK / 64) * sizeof *pb);
        if (pb == NULL)
            return M_NIL;
        m->pbits = pb;
        memset(pb + b * (M_BLOCK / 64), 0, (M_BLOCK / 64) * sizeof *pb);
        if ((nb[b] = malloc(M_BLOCK * sizeof(m_obj))) == NULL)
            return M_NIL;
        m->n_blocks = b + 1;
    }
    return m->pool_n++;
}

static void
slot_free(gcs_model *m, uint32_t h)
{
    m_obj *o = gcs_model_obj(m, h);
    memset(o, 0, sizeof *o);
    o->out = m->free_h;
    m->free_h = h;
    m->pbits[h / 64] &= ~(UINT64_C(1) << (h % 64));
}

/* {==== Id index ====} */

static void
idx_put(uint32_t *t, size_t cap, unsigned shift, uint64_t id, uint32_t h)
{
    size_t j = idx_home(id, shift);
    while (t[j])
        j = (j + 1) & (cap - 1);
    t[j] = h + 1;
}

static int
idx_grow(gcs_model *m, size_t need)
{
    size_t cap = m->idx_cap ? m->idx_cap : 1024;
    while (need * 2 > cap)
        cap *= 2;
    if (cap == m->idx_cap)
        return 0;
    uint32_t *t = calloc(cap, sizeof *t);
    if (t == NULL)
        return GCS_ENOMEM;
    unsigned shift = 64 - gcs_log2_pow2(cap);
    for (size_t j = 0; j < m->idx_cap; j++)
        if (m->idx[j])
            idx_put(t, cap, shift, gcs_model_obj(m, m->idx[j] - 1)->id, m->idx[j] - 1);
    free(m->idx);
    m->idx = t;
    m->idx_cap = cap;
    m->idx_shift = shift;
    return 0;
}

uint32_t
gcs_model_find(const gcs_model *m, uint64_t id)
{
    if (m->idx_cap == 0 || id == 0)
        return M_NIL;
    size_t mask = m->idx_cap - 1;
    for (size_t j = idx_home(id, m->idx_shift); m->idx[j]; j = (j + 1) & mask)
        if (gcs_model_obj(m, m->idx[j] - 1)->id == id)
            return m->idx[j] - 1;
    return M_NIL;
}

void
gcs_model_cache_reset(gcs_model *m)
{
    for (size_t i = 0; i < M_FCACHE; i++)
        m->fc[i] = (m_fcache){0, NULL, M_NIL};
}

/* Remove handle h (id) from the index: backward-shift deletion. */
static void
idx_del(gcs_model *m, uint64_t id, uint32_t h)
{
    size_t mask = m->idx_cap - 1, i = idx_home(id, m->idx_shift);
    while (m->idx[i] && m->idx[i] != h + 1)
        i = (i + 1) & mask;
    if (m->idx[i] == 0)
        return;
    for (size_t j = i;;) {
        j = (j + 1) & mask;
        if (m->idx[j] == 0)
            break;
        size_t k = idx_home(gcs_model_obj(m, m->idx[j] - 1)->id, m->idx_shift);
        if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
            continue;
        m->idx[i] = m->idx[j];
        i = j;
    }
    m->idx[i] = 0;
    m->idx_n--;
}

/* {==== Records ====} */

static void
obj_defaults(m_obj *o, uint64_t id)
{
    memset(o, 0, sizeof *o);
    o->id = id;
    o->alloc_ev = o->free_ev = M_NONE_U32;
    o->out = o->in = M_NIL;
    o->gen = GCS_REPLAY_GEN_UNTRACKED;
    o->gc_state = -1;
}

/* Insert id (absent) with its index entry at idx[j] (empty, in id's probe
 * run; room for one more reserved). */
static uint32_t insert_at(gcs_model *m, uint64_t id, size_t j);

uint32_t
gcs_store_insert(gcs_model *m, uint64_t id)
{
    bool made;
    return gcs_store_get_or_insert(m, id, &made);
}

uint32_t
gcs_store_get_or_insert(gcs_model *m, uint64_t id, bool *made)
{
    *made = false;
    if (m->n_objs == m->cap_order &&
        gcs_model_grow((void **)&m->order, &m->cap_order, m->n_objs + 1, sizeof *m->order) != 0)
        goto oom;
    if ((m->idx_n + 1) * 2 > m->idx_cap && idx_grow(m, m->idx_n + 1) != 0)
        goto oom;
    size_t mask = m->idx_cap - 1, j = idx_home(id, m->idx_shift);
    for (; m->idx[j]; j = (j + 1) & mask) {
        if (gcs_model_obj(m, m->idx[j] - 1)->id == id) {
            gcs_model_cache_(m, id, m->idx[j] - 1);
            return m->idx[j] - 1;
        }
    }
    uint32_t h = insert_at(m, id, j);
    *made = h != M_NIL;
    return h;
oom:
    m->oom = 1;
    return M_NIL;
}

static uint32_t
insert_at(gcs_model *m, uint64_t id, size_t j)
{
    uint32_t h = slot_new(m);
    if (h == M_NIL)
        goto oom;
    obj_defaults(gcs_model_obj(m, h), id);
    size_t at = m->n_objs;
    if (at > 0 && gcs_model_obj(m, m->order[at - 1])->id > id) { /* out of order: rare */
        size_t lo = 0, hi = m->n_objs;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (gcs_model_obj(m, m->order[mid])->id < id)
                lo = mid + 1;
            else
                hi = mid;
        }
        at = lo;
        memmove(m->order + at + 1, m->order + at, (m->n_objs - at) * sizeof *m->order);
    }
    m->order[at] = h;
    m->n_objs++;
    m->idx[j] = h + 1;
    m->idx_n++;
    gcs_model_cache_(m, id, h); /* the next events name it */
    return h;
oom:
    m->oom = 1;
    return M_NIL;
}

void
gcs_store_purge(gcs_model *m, uint32_t h)
{
    m_obj *o = gcs_model_obj(m, h);
    idx_del(m, o->id, h);
    m_fcache *c = &m->fc[o->id & (M_FCACHE - 1)];
    if (c->id == o->id)
        *c = (m_fcache){0, NULL, M_NIL};
    gcs_label_free(m, o->label, o->lclass);
    o->label = 0;
    if (m->w_n)
        gcs_obj_wide_drop(m, h);
    o->flags |= M_PURGED;
    m->pbits[h / 64] |= UINT64_C(1) << (h % 64);
    m->n_holes++;
}

int
gcs_model_compact(gcs_model *m)
{
    if (m->n_holes == 0)
        return 0;
    size_t w = 0;
    for (size_t i = 0; i < m->n_objs; i++) {
        uint32_t h = m->order[i];
        if (m->pbits[h / 64] & (UINT64_C(1) << (h % 64))) /* M_PURGED, without a load */
            slot_free(m, h);
        else
            m->order[w++] = h;
    }
    m->n_objs = w;
    m->n_holes = 0;
    return 0;
}

/* {==== Wide values ====} */

static size_t
w_find(const gcs_model *m, uint64_t key)
{
    if (m->w_cap == 0)
        return SIZE_MAX;
    size_t mask = m->w_cap - 1;
    for (size_t j = hash64(key) & mask; m->wkey[j]; j = (j + 1) & mask)
        if (m->wkey[j] == key)
            return j;
    return SIZE_MAX;
}

static void
w_put_raw(uint64_t *k, uint64_t *v, size_t cap, uint64_t key, uint64_t val)
{
    size_t j = hash64(key) & (cap - 1);
    while (k[j] && k[j] != key)
        j = (j + 1) & (cap - 1);
    k[j] = key;
    v[j] = val;
}

static int
w_put(gcs_model *m, uint64_t key, uint64_t val)
{
    size_t j = w_find(m, key);
    if (j != SIZE_MAX) {
        m->wval[j] = val;
        return 0;
    }
    if ((m->w_n + 1) * 2 > m->w_cap) {
        size_t cap = m->w_cap ? m->w_cap * 2 : 64;
        uint64_t *k = calloc(cap, sizeof *k), *v = calloc(cap, sizeof *v);
        if (k == NULL || v == NULL) {
            free(k);
            free(v);
            m->oom = 1;
            return GCS_ENOMEM;
        }
        for (size_t i = 0; i < m->w_cap; i++)
            if (m->wkey[i])
                w_put_raw(k, v, cap, m->wkey[i], m->wval[i]);
        free(m->wkey);
        free(m->wval);
        m->wkey = k;
        m->wval = v;
        m->w_cap = cap;
    }
    w_put_raw(m->wkey, m->wval, m->w_cap, key, val);
    m->w_n++;
    return 0;
}

static void
w_del(gcs_model *m, uint64_t key)
{
    size_t i = w_find(m, key);
    if (i == SIZE_MAX)
        return;
    size_t mask = m->w_cap - 1;
    for (size_t j = i;;) {
        j = (j + 1) & mask;
        if (m->wkey[j] == 0)
            break;
        size_t k = hash64(m->wkey[j]) & mask;
        if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
            continue;
        m->wkey[i] = m->wkey[j];
        m->wval[i] = m->wval[j];
        i = j;
    }
    m->wkey[i] = 0;
    m->w_n--;
}

static inline uint64_t
w_key(uint32_t h, int field)
{
    return (uint64_t)h * 8 + (uint64_t)field + 1;
}

static uint64_t
w_get(const gcs_model *m, uint32_t h, int field)
{
    size_t j = w_find(m, w_key(h, field));
    return j == SIZE_MAX ? 0 : m->wval[j];
}

static bool
is_wide(const m_obj *o, int field)
{
    switch (field) {
    case W_ALLOC_EV:
        return o->alloc_ev == M_WIDE_U32;
    case W_FREE_EV:
        return o->free_ev == M_WIDE_U32;
    case W_SIZE:
        return o->size == M_WIDE_U32;
    case W_REFCNT:
        return o->refcnt == M_WIDE_I32;
    case W_GC_REFS:
        return o->gc_refs == M_WIDE_I32;
    case W_KIND:
        return o->kind == M_WIDE_KIND;
    default:
        return false;
    }
}

uint64_t
gcs_obj_u(const gcs_model *m, uint32_t h, int field)
{
    const m_obj *o = gcs_model_obj(m, h);
    if (is_wide(o, field))
        return w_get(m, h, field);
    switch (field) {
    case W_ALLOC_EV:
        return o->alloc_ev == M_NONE_U32 ? UINT64_MAX : o->alloc_ev;
    case W_FREE_EV:
        return o->free_ev == M_NONE_U32 ? UINT64_MAX : o->free_ev;
    case W_SIZE:
        return o->size;
    case W_KIND:
        return o->kind;
    default:
        return 0;
    }
}

int64_t
gcs_obj_i(const gcs_model *m, uint32_t h, int field)
{
    const m_obj *o = gcs_model_obj(m, h);
    if (is_wide(o, field))
        return (int64_t)w_get(m, h, field);
    return field == W_REFCNT ? o->refcnt : o->gc_refs;
}

void
gcs_obj_set_u(gcs_model *m, uint32_t h, int field, uint64_t v)
{
    m_obj *o = gcs_model_obj(m, h);
    bool was = is_wide(o, field);
    uint32_t lim = field == W_KIND ? M_WIDE_KIND : M_WIDE_U32;
    bool none = v == UINT64_MAX && (field == W_ALLOC_EV || field == W_FREE_EV);
    uint32_t n = none ? M_NONE_U32 : v >= lim ? M_WIDE_U32 : (uint32_t)v;
    if (n == M_WIDE_U32 && w_put(m, w_key(h, field), v) != 0)
        n = 0; /* ENOMEM (m->oom set): keep the invariant */
    else if (n != M_WIDE_U32 && was)
        w_del(m, w_key(h, field));
    switch (field) {
    case W_ALLOC_EV:
        o->alloc_ev = n;
        break;
    case W_FREE_EV:
        o->free_ev = n;
        break;
    case W_SIZE:
        o->size = n;
        break;
    case W_KIND:
        o->kind = n == M_WIDE_U32 ? M_WIDE_KIND : (uint8_t)n;
        break;
    default:
        break;
    }
}

void
gcs_obj_set_i(gcs_model *m, uint32_t h, int field, int64_t v)
{
    m_obj *o = gcs_model_obj(m, h);
    bool was = is_wide(o, field);
    int32_t n;
    if (v > INT32_MIN && v <= INT32_MAX) {
        n = (int32_t)v;
        if (was)
            w_del(m, w_key(h, field));
    } else {
        n = w_put(m, w_key(h, field), (uint64_t)v) == 0 ? M_WIDE_I32 : 0;
    }
    if (field == W_REFCNT)
        o->refcnt = n;
    else
        o->gc_refs = n;
}

void
gcs_obj_wide_drop(gcs_model *m, uint32_t h)
{
    const m_obj *o = gcs_model_obj(m, h);
    for (int f = 0; f < W__COUNT; f++)
        if (is_wide(o, f))
            w_del(m, w_key(h, f));
}

/* {==== String table ====} */

static size_t
hash_ptr(const void *p)
{
    return hash64((uint64_t)(uintptr_t)p);
}

uint32_t
gcs_str_lookup(const gcs_model *m, const void *p)
{
    if (p == NULL)
        return 0;
    if (m->str.hcap == 0)
        return M_NIL;
    size_t mask = m->str.hcap - 1;
    for (size_t j = hash_ptr(p) & mask; m->str.h[j]; j = (j + 1) & mask)
        if (m->str.v[m->str.h[j]] == p)
            return m->str.h[j];
    return M_NIL;
}

static int
str_grow(m_strtab *t)
{
    if (t->n + 1 > t->cap) {
        uint32_t c = t->cap ? t->cap * 2 : 64;
        const void **nv = realloc(t->v, c * sizeof *nv);
        if (nv == NULL)
            return GCS_ENOMEM;
        t->v = nv;
        t->cap = c;
        if (t->n == 0)
            t->v[t->n++] = NULL; /* id 0 */
    }
    if ((size_t)(t->n + 1) * 2 > t->hcap) {
        size_t cap = t->hcap ? t->hcap * 2 : 128;
        uint32_t *nh = calloc(cap, sizeof *nh);
        if (nh == NULL)
            return GCS_ENOMEM;
        for (uint32_t id = 1; id < t->n; id++) {
            size_t j = hash_ptr(t->v[id]) & (cap - 1);
            while (nh[j])
                j = (j + 1) & (cap - 1);
            nh[j] = id;
        }
        free(t->h);
        t->h = nh;
        t->hcap = cap;
    }
    return 0;
}

uint32_t
gcs_str_id(gcs_model *m, const void *p)
{
    uint32_t id = gcs_str_lookup(m, p);
    if (id != M_NIL)
        return id;
    m_strtab *t = &m->str;
    if (t->n >= (M_EDUP >> 1) || str_grow(t) != 0) {
        m->oom = 1;
        return M_NIL;
    }
    id = t->n++;
    t->v[id] = p;
    size_t j = hash_ptr(p) & (t->hcap - 1);
    while (t->h[j])
        j = (j + 1) & (t->hcap - 1);
    t->h[j] = id;
    return id;
}

/* {==== Labels ====} */

/* Size class of a block of `units` 8-byte units, and the units it gets. */
static unsigned
lab_class(size_t units, size_t *got)
{
    if (units <= 32) {
        *got = units;
        return (unsigned)units;
    }
    size_t p = 64;
    unsigned c = 33;
    while (p < units) {
        p *= 2;
        c++;
    }
    *got = p;
    return c < M_LCLASSES ? c : 0; /* 0: too big for a class (never reused) */
}

uint8_t
gcs_label_class_of(size_t len)
{
    size_t got;
    return (uint8_t)lab_class((len + 1 + 7) / 8, &got);
}

uint32_t
gcs_label_new(gcs_model *m, const char *text, size_t len, uint8_t *cls)
{
    *cls = 0;
    if (text == NULL)
        return 0;
    m_labels *L = &m->lab;
    size_t got, units = (len + 1 + 7) / 8;
    unsigned c = lab_class(units, &got);
    uint32_t h = c ? L->free[c] : 0;
    if (h) {
        memcpy(&L->free[c], L->b + (size_t)h * 8, sizeof(uint32_t));
    } else {
        if (L->n == 0)
            L->n = 1; /* unit 0: "no label" */
        if (L->n + got > (size_t)UINT32_MAX)
            goto oom;
        if (L->n + got > L->cap) {
            size_t cap = L->cap ? L->cap * 2 : 512;
            while (cap < L->n + got)
                cap *= 2;
            char *nb = realloc(L->b, cap * 8);
            if (nb == NULL)
                goto oom;
            L->b = nb;
            L->cap = cap;
        }
        h = (uint32_t)L->n;
        L->n += got;
    }
    memcpy(L->b + (size_t)h * 8, text, len);
    L->b[(size_t)h * 8 + len] = 0;
    *cls = (uint8_t)c;
    return h;
oom:
    m->oom = 1;
    return 0;
}

void
gcs_label_free(gcs_model *m, uint32_t lab, uint8_t cls)
{
    if (lab == 0 || cls == 0)
        return; /* none, or a huge label: its units stay used until clear */
    m_labels *L = &m->lab;
    memcpy(L->b + (size_t)lab * 8, &L->free[cls], sizeof(uint32_t));
    L->free[cls] = lab;
}

/* {==== Clear / fini ====} */

void
gcs_store_clear(gcs_model *m)
{
    m->pool_n = 0;
    m->free_h = M_NIL;
    if (m->n_blocks)
        memset(m->pbits, 0, m->n_blocks * (M_BLOCK / 64) * sizeof *m->pbits);
    m->n_objs = m->n_holes = m->n_alive = 0;
    if (m->idx_cap)
        memset(m->idx, 0, m->idx_cap * sizeof *m->idx);
    m->idx_n = 0;
    if (m->w_cap)
        memset(m->wkey, 0, m->w_cap * sizeof *m->wkey);
    m->w_n = 0;
    m->lab.n = 1;
    memset(m->lab.free, 0, sizeof m->lab.free);
    gcs_model_cache_reset(m);
}

void
gcs_store_fini(gcs_model *m)
{
    for (size_t b = 0; b < m->n_blocks; b++)
        free(m->blocks[b]);
    free(m->blocks);
    free(m->pbits);
    free(m->order);
    free(m->idx);
    free(m->wkey);
    free(m->wval);
    free(m->str.v);
    free(m->str.h);
    free(m->lab.b);
}
