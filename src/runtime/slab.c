/* src/runtime/slab.c — size-class pools for object bodies and their small
 * item arrays (pymalloc's design): 4 KiB pools, each holding blocks of one
 * size class at a constant stride, carved from chunks taken from the heap's
 * allocator. The collector's list walks stream through memory instead of
 * missing the cache at every node (interleaving objects with their item
 * arrays defeats hardware prefetch: measured 30x slower walks), and a small
 * block costs no malloc header. A pool whose blocks are all free goes back to
 * a heap-wide set and may then serve any class, so memory freed by one
 * shape of objects is reused by the next (peak RSS is the peak of the live
 * data, not the sum over the classes ever used). Empty pools are reused
 * lowest address first, so that objects allocated one after the other after
 * a big free sit in ascending address order, as in fresh memory: the
 * collector's list walks then prefetch the right memory (gc.c).
 * Classes are 8 bytes apart (a 56-byte list takes 56 bytes); blocks of sizes
 * that are multiples of 16 stay 16-aligned (pool data starts 16-aligned).
 * Objects use slabs only outside checked mode (checked mode allocates every
 * object separately so that the quarantine and OOM injection see each one);
 * an object's arrays use slabs iff the object itself does (spare ==
 * OBJ_SLAB), so switching checked mode at run time never mixes the two.
 * Invariants: a block is live or on its pool's free list (or beyond its
 * pool's bump pointer); a pool with live blocks is on avail[its class] iff it
 * has room for one more; a pool with none has its bit set in its chunk's
 * `empty` mask (or is not yet used); n_empty counts those bits, and when it
 * is nonzero no chunk below first_empty has one; chunks are returned to the
 * allocator only when the heap is freed. */
#include "runtime_int.h"

enum { POOL_SIZE = 4096, CHUNK_POOLS = 63 }; /* 256 KiB chunks: at most one pool of slack each */

struct gcs_pool {
    gcs_pool *next, *prev; /* on avail[cls] */
    void *free;            /* freed blocks of this pool */
    char *bump;            /* next never-used block */
    gcs_slab_chunk *chunk; /* the chunk the pool belongs to */
    uint32_t n_used;       /* live blocks */
    uint16_t cls;
    bool linked; /* on avail[cls] */
};
enum { POOL_HDR = (sizeof(gcs_pool) + 15) & ~(size_t)15 };

/* The header of a chunk, at its start; its pools follow, 4 KiB-aligned. */
struct gcs_slab_chunk {
    gcs_slab_chunk *next; /* the next chunk up in address order */
    char *first;          /* its first pool */
    uint64_t empty;       /* bit i: pool i was used and has no live block now */
};
_Static_assert(SLAB_MAX_BLOCK / SLAB_GRAIN <= SLAB_CLASSES, "a class per grain step");
_Static_assert(POOL_HDR % 16 == 0, "pool data must start 16-aligned");
_Static_assert(CHUNK_POOLS + 1 <= 64, "one bit of `empty` per pool");

static size_t
class_of(size_t size)
{
    return (size + SLAB_GRAIN - 1) / SLAB_GRAIN - (size > 0);
}

bool
gcs_rt_slab_fits(size_t size)
{
    return size <= SLAB_MAX_BLOCK;
}

static void
pool_link(gcs_slab *s, gcs_pool *p)
{
    p->prev = NULL;
    p->next = s->avail[p->cls];
    if (p->next)
        p->next->prev = p;
    s->avail[p->cls] = p;
    p->linked = true;
}

static void
pool_unlink(gcs_slab *s, gcs_pool *p)
{
    if (p->prev)
        p->prev->next = p->next;
    else
        s->avail[p->cls] = p->next;
    if (p->next)
        p->next->prev = p->prev;
    p->linked = false;
}

static unsigned
lowest_bit(uint64_t m)
{
#if defined(__GNUC__)
    return (unsigned)__builtin_ctzll(m);
#else
    unsigned i = 0;
    while (!(m & 1)) {
        m >>= 1;
        i++;
    }
    return i;
#endif
}

/* Add `ch` to the chunk list, kept in ascending address order. Chunks
 * usually come in ascending or descending order, which costs O(1) here. */
static void
chunk_insert(gcs_slab *s, gcs_slab_chunk *ch)
{
    gcs_slab_chunk **pp = &s->chunks;
    if (s->last_chunk && (uintptr_t)s->last_chunk < (uintptr_t)ch)
        pp = &s->last_chunk->next;
    while (*pp && (uintptr_t)*pp < (uintptr_t)ch)
        pp = &(*pp)->next;
    ch->next = *pp;
    *pp = ch;
    if (!ch->next)
        s->last_chunk = ch;
}

/* A new chunk becomes the source of fresh pools; false when out of memory. */
static bool
chunk_new(gcs_heap *h)
{
    gcs_slab *s = &h->slab;
    size_t bytes = (size_t)(CHUNK_POOLS + 1) * POOL_SIZE;
    gcs_slab_chunk *ch = gcs_rt_malloc(h, bytes);
    if (!ch)
        return false;
    uintptr_t first = ((uintptr_t)(ch + 1) + POOL_SIZE - 1) & ~(uintptr_t)(POOL_SIZE - 1);
    ch->first = (char *)first;
    ch->empty = 0;
    chunk_insert(s, ch);
    s->newest = ch;
    s->fresh = ch->first;
    s->fresh_end = s->fresh + (((uintptr_t)ch + bytes - first) / POOL_SIZE) * POOL_SIZE;
    return true;
}

/* An unused pool: the lowest empty one, else a fresh one (a new chunk if
 * needed). NULL when out of memory. */
static gcs_pool *
pool_get(gcs_heap *h)
{
    gcs_slab *s = &h->slab;
    if (s->n_empty) { /* then the walk ends at a chunk with one */
        gcs_slab_chunk *ch = s->first_empty;
        while (!ch->empty)
            ch = ch->next;
        s->first_empty = ch;
        s->n_empty--;
        unsigned i = lowest_bit(ch->empty);
        ch->empty &= ch->empty - 1;
        return (gcs_pool *)(ch->first + (size_t)i * POOL_SIZE);
    }
    if (s->fresh == s->fresh_end && !chunk_new(h))
        return NULL;
    gcs_pool *p = (gcs_pool *)s->fresh;
    s->fresh += POOL_SIZE;
    p->chunk = s->newest;
    return p;
}

/* `p` has no live block left: it may serve any class next. */
static void
pool_set_empty(gcs_slab *s, gcs_pool *p)
{
    gcs_slab_chunk *ch = p->chunk;
    ch->empty |= (uint64_t)1 << (((char *)p - ch->first) / POOL_SIZE);
    if (!s->n_empty++ || (uintptr_t)ch < (uintptr_t)s->first_empty)
        s->first_empty = ch;
}

/* A block for `size` bytes, or NULL when the allocator fails. */
void *
gcs_rt_slab_alloc(gcs_heap *h, size_t size)
{
    gcs_slab *s = &h->slab;
    size_t c = class_of(size), bsize = (c + 1) * SLAB_GRAIN;
    gcs_pool *p = s->avail[c];
    if (!p) {
        if (!(p = pool_get(h)))
            return NULL;
        p->free = NULL;
        p->bump = (char *)p + POOL_HDR;
        p->n_used = 0;
        p->cls = (uint16_t)c;
        pool_link(s, p);
    }
    void *b = p->free;
    if (b) {
        p->free = *(void **)b;
    } else {
        b = p->bump;
        p->bump += bsize;
    }
    p->n_used++;
    if (!p->free && p->bump + bsize > (char *)p + POOL_SIZE)
        pool_unlink(s, p); /* full */
    return b;
}

void
gcs_rt_slab_free(gcs_heap *h, void *b, size_t size)
{
    (void)size;
    gcs_slab *s = &h->slab;
    gcs_pool *p = (gcs_pool *)((uintptr_t)b & ~(uintptr_t)(POOL_SIZE - 1));
    *(void **)b = p->free;
    p->free = b;
    if (--p->n_used == 0) {
        if (p->linked)
            pool_unlink(s, p);
        pool_set_empty(s, p);
    } else if (!p->linked) {
        pool_link(s, p);
    }
}

/* Teardown: return every chunk (the objects in them are already dead). */
void
gcs_rt_slab_release(gcs_heap *h)
{
    gcs_slab_chunk *ch = h->slab.chunks;
    while (ch) {
        gcs_slab_chunk *next = ch->next;
        gcs_rt_mfree(h, ch, (size_t)(CHUNK_POOLS + 1) * POOL_SIZE);
        ch = next;
    }
    memset(&h->slab, 0, sizeof h->slab);
}

/* {==== Self-check ====} */

static unsigned
popcount64(uint64_t m)
{
    unsigned n = 0;
    for (; m; m &= m - 1)
        n++;
    return n;
}

/* The invariants at the top of this file, for gcs_heap_check: NULL when they
 * hold, else what is broken. O(chunks + pools with room). */
const char *
gcs_rt_slab_check(const gcs_heap *h)
{
    const gcs_slab *s = &h->slab;
    size_t n_empty = 0;
    bool below_first = s->n_empty != 0;
    const gcs_slab_chunk *prev = NULL;
    for (const gcs_slab_chunk *ch = s->chunks; ch; prev = ch, ch = ch->next) {
        if (prev && (uintptr_t)prev >= (uintptr_t)ch)
            return "chunks out of address order";
        if (ch == s->first_empty)
            below_first = false;
        if (below_first && ch->empty)
            return "an empty pool below first_empty";
        n_empty += popcount64(ch->empty);
        for (uint64_t m = ch->empty; m; m &= m - 1) {
            const gcs_pool *p = (const gcs_pool *)(ch->first + (size_t)lowest_bit(m) * POOL_SIZE);
            if (p->n_used != 0 || p->linked || p->chunk != ch)
                return "a pool marked empty is in use";
        }
    }
    if (prev != s->last_chunk)
        return "last_chunk is not the highest chunk";
    if (below_first)
        return "first_empty is not a chunk";
    if (n_empty != s->n_empty)
        return "n_empty does not match the chunks' masks";
    for (size_t c = 0; c < SLAB_CLASSES; c++)
        for (const gcs_pool *p = s->avail[c]; p; p = p->next)
            if (!p->linked || p->cls != c || p->n_used == 0)
                return "a pool on an avail list is empty or of another class";
    return NULL;
}

/* {==== Item arrays ====} */

static bool
arr_in_slab(const gcs_obj *owner, size_t n)
{
    return owner->spare == OBJ_SLAB && n > 0 && n <= SLAB_MAX_BLOCK;
}

/* Resize `owner`'s array p (old_n bytes, NULL when old_n is 0) to new_n > 0
 * bytes, keeping min(old_n, new_n) bytes. Returns NULL (p unchanged) when
 * out of memory. */
void *
gcs_rt_arr_realloc(gcs_heap *h, const gcs_obj *owner, void *p, size_t old_n, size_t new_n)
{
    bool was = p && arr_in_slab(owner, old_n), will = arr_in_slab(owner, new_n);
    if (!was && !will)
        return gcs_rt_realloc(h, p, old_n, new_n);
    if (was && will && class_of(old_n) == class_of(new_n))
        return p;
    void *q = will ? gcs_rt_slab_alloc(h, new_n) : gcs_rt_malloc(h, new_n);
    if (!q)
        return NULL;
    if (p) {
        memcpy(q, p, old_n < new_n ? old_n : new_n);
        gcs_rt_arr_free(h, owner, p, old_n);
    }
    return q;
}

/* Free `owner`'s array p of n bytes (NULL is fine). */
void
gcs_rt_arr_free(gcs_heap *h, const gcs_obj *owner, void *p, size_t n)
{
    if (!p)
        return;
    if (arr_in_slab(owner, n))
        gcs_rt_slab_free(h, p, n);
    else
        gcs_rt_mfree(h, p, n);
}
