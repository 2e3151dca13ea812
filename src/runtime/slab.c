/* src/runtime/slab.c — size-class pools for object bodies and their small
 * item arrays (pymalloc's design): 4 KiB pools, each holding blocks of one
 * size class at a constant stride, carved from chunks taken from the heap's
 * allocator. The collector's list walks stream through memory instead of
 * missing the cache at every node (interleaving objects with their item
 * arrays defeats hardware prefetch: measured 30x slower walks), and a small
 * block costs no malloc header. A pool whose blocks are all free goes back to
 * a heap-wide list and may then serve any class, so memory freed by one
 * shape of objects is reused by the next (peak RSS is the peak of the live
 * data, not the sum over the classes ever used).
 * Classes are 8 bytes apart (a 56-byte list takes 56 bytes); blocks of sizes
 * that are multiples of 16 stay 16-aligned (pool data starts 16-aligned).
 * Objects use slabs only outside checked mode (checked mode allocates every
 * object separately so that the quarantine and OOM injection see each one);
 * an object's arrays use slabs iff the object itself does (spare ==
 * OBJ_SLAB), so switching checked mode at run time never mixes the two.
 * Invariants: a block is live or on its pool's free list (or beyond its
 * pool's bump pointer); a pool with live blocks is on avail[its class] iff it
 * has room for one more; a pool with none is on `empty` (or not yet used);
 * chunks are returned to the allocator only when the heap is freed. */
#include "runtime_int.h"

enum { POOL_SIZE = 4096, CHUNK_POOLS = 63 }; /* 256 KiB chunks: at most one pool of slack each */

struct gcs_pool {
    gcs_pool *next, *prev; /* on avail[cls] (prev unused on `empty`) */
    void *free;            /* freed blocks of this pool */
    char *bump;            /* next never-used block */
    uint32_t n_used;       /* live blocks */
    uint16_t cls;
    bool linked; /* on avail[cls] */
};
enum { POOL_HDR = (sizeof(gcs_pool) + 15) & ~(size_t)15 };

typedef struct slab_chunk {
    struct slab_chunk *next;
} slab_chunk;
_Static_assert(SLAB_MAX_BLOCK / SLAB_GRAIN <= SLAB_CLASSES, "a class per grain step");
_Static_assert(POOL_HDR % 16 == 0, "pool data must start 16-aligned");

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

/* An unused pool: an empty one, else a fresh one (a new chunk if needed). */
static gcs_pool *
pool_get(gcs_heap *h)
{
    gcs_slab *s = &h->slab;
    gcs_pool *p = s->empty;
    if (p) {
        s->empty = p->next;
        return p;
    }
    if (s->fresh == s->fresh_end) {
        size_t bytes = (size_t)(CHUNK_POOLS + 1) * POOL_SIZE;
        slab_chunk *ch = gcs_rt_malloc(h, bytes);
        if (!ch)
            return NULL;
        ch->next = s->chunks;
        s->chunks = ch;
        uintptr_t first = ((uintptr_t)(ch + 1) + POOL_SIZE - 1) & ~(uintptr_t)(POOL_SIZE - 1);
        s->fresh = (char *)first;
        s->fresh_end = s->fresh + (((uintptr_t)ch + bytes - first) / POOL_SIZE) * POOL_SIZE;
    }
    p = (gcs_pool *)s->fresh;
    s->fresh += POOL_SIZE;
    return p;
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
        p->next = s->empty;
        s->empty = p;
    } else if (!p->linked) {
        pool_link(s, p);
    }
}

/* Teardown: return every chunk (the objects in them are already dead). */
void
gcs_rt_slab_release(gcs_heap *h)
{
    slab_chunk *ch = h->slab.chunks;
    while (ch) {
        slab_chunk *next = ch->next;
        gcs_rt_mfree(h, ch, (size_t)(CHUNK_POOLS + 1) * POOL_SIZE);
        ch = next;
    }
    memset(&h->slab, 0, sizeof h->slab);
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
