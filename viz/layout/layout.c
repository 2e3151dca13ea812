/* viz/layout/layout.c — lane + slot placement history (see layout.h).
 *
 * Each object has a chain of placements {from_ev, to_ev, lane, slot}; a query
 * walks the chain (usually 1-3 long). Each lane hands out slots lowest-free
 * first from a min-heap of released slots, so a slot is reused only by an
 * object placed after its owner left. Geometry (rows, lane widths) is derived
 * once from the lanes' peak occupancy in gcs_layout_finish().
 */
#include "layout/layout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/errors.h"

#define EV_OPEN UINT64_MAX

typedef struct placement {
    uint64_t from, to; /* alive in [from, to] (to = EV_OPEN while current) */
    uint32_t slot;
    int lane;
    uint32_t next; /* next (later) placement + 1, 0 = none */
} placement;

typedef struct objrec {
    uint64_t id;
    uint32_t first, last; /* placement index + 1 */
    bool alive;
} objrec;

typedef struct slot_heap {
    uint32_t *v;
    size_t n, cap;
} slot_heap;

typedef struct pending {
    uint32_t slot;
    int lane;
    uint64_t free_after;
} pending;

struct gcs_layout {
    objrec *recs;
    size_t n_recs, cap_recs;
    uint32_t *hash; /* id -> rec + 1 */
    size_t hash_cap;
    placement *pl;
    size_t n_pl, cap_pl;
    slot_heap free[GCS_LANE__COUNT];
    uint32_t fresh[GCS_LANE__COUNT]; /* next never-used slot */
    uint32_t live[GCS_LANE__COUNT], peak[GCS_LANE__COUNT];
    pending *pend;
    size_t n_pend, cap_pend;
    uint64_t last_ev;
    /* geometry */
    int rows;
    gcs_lane_geom lanes[GCS_LANE__COUNT];
    double width, height;
};

static bool
grow(void **arr, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 64;
    void *p = realloc(*arr, ncap * sz);
    if (p == NULL)
        return false;
    *arr = p;
    *cap = ncap;
    return true;
}

int
gcs_layout_new(gcs_layout **out)
{
    *out = calloc(1, sizeof **out);
    if (*out == NULL)
        return GCS_ENOMEM;
    gcs_layout_finish(*out, 1.6);
    return 0;
}

void
gcs_layout_free(gcs_layout *L)
{
    if (L == NULL)
        return;
    free(L->recs);
    free(L->hash);
    free(L->pl);
    free(L->pend);
    for (int i = 0; i < GCS_LANE__COUNT; i++)
        free(L->free[i].v);
    free(L);
}

/* {==== id -> record ====} */

static size_t
hash_id(uint64_t id)
{
    id ^= id >> 33;
    id *= 0xff51afd7ed558ccdULL;
    id ^= id >> 33;
    return (size_t)id;
}

static objrec *
rec_find(const gcs_layout *L, uint64_t id)
{
    if (L->hash_cap == 0)
        return NULL;
    size_t mask = L->hash_cap - 1;
    for (size_t k = hash_id(id) & mask; L->hash[k] != 0; k = (k + 1) & mask)
        if (L->recs[L->hash[k] - 1].id == id)
            return &L->recs[L->hash[k] - 1];
    return NULL;
}

static bool
rehash(gcs_layout *L)
{
    size_t cap = L->hash_cap ? L->hash_cap * 2 : 256;
    uint32_t *h = calloc(cap, sizeof *h);
    if (h == NULL)
        return false;
    for (size_t i = 0; i < L->n_recs; i++) {
        size_t k = hash_id(L->recs[i].id) & (cap - 1);
        while (h[k] != 0)
            k = (k + 1) & (cap - 1);
        h[k] = (uint32_t)(i + 1);
    }
    free(L->hash);
    L->hash = h;
    L->hash_cap = cap;
    return true;
}

static objrec *
rec_add(gcs_layout *L, uint64_t id)
{
    if ((L->n_recs + 1) * 2 > L->hash_cap && !rehash(L))
        return NULL;
    if (!grow((void **)&L->recs, &L->cap_recs, L->n_recs, sizeof *L->recs))
        return NULL;
    objrec *r = &L->recs[L->n_recs++];
    memset(r, 0, sizeof *r);
    r->id = id;
    size_t mask = L->hash_cap - 1;
    size_t k = hash_id(id) & mask;
    while (L->hash[k] != 0)
        k = (k + 1) & mask;
    L->hash[k] = (uint32_t)L->n_recs;
    return r;
}

/* {==== Slots ====} */

static bool
heap_push(slot_heap *h, uint32_t s)
{
    if (!grow((void **)&h->v, &h->cap, h->n, sizeof *h->v))
        return false;
    size_t i = h->n++;
    while (i > 0 && h->v[(i - 1) / 2] > s) {
        h->v[i] = h->v[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->v[i] = s;
    return true;
}

static uint32_t
heap_pop(slot_heap *h)
{
    uint32_t top = h->v[0], last = h->v[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && h->v[c + 1] < h->v[c])
            c++;
        if (h->v[c] >= last)
            break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (h->n > 0)
        h->v[i] = last;
    return top;
}

/* Release slots whose owner left before `ev`. */
static void
release_pending(gcs_layout *L, uint64_t ev)
{
    size_t keep = 0;
    for (size_t i = 0; i < L->n_pend; i++) {
        pending p = L->pend[i];
        if (p.free_after < ev && heap_push(&L->free[p.lane], p.slot))
            continue;
        L->pend[keep++] = p;
    }
    L->n_pend = keep;
}

static uint32_t
take_slot(gcs_layout *L, int lane)
{
    if (L->free[lane].n > 0)
        return heap_pop(&L->free[lane]);
    return L->fresh[lane]++;
}

/* Close the object's current placement at `ev` and queue its slot. */
static bool
leave(gcs_layout *L, objrec *r, uint64_t ev)
{
    placement *p = &L->pl[r->last - 1];
    if (!grow((void **)&L->pend, &L->cap_pend, L->n_pend, sizeof *L->pend))
        return false;
    p->to = ev;
    L->pend[L->n_pend++] = (pending){p->slot, p->lane, ev};
    L->live[p->lane]--;
    r->alive = false;
    return true;
}

int
gcs_layout_place(gcs_layout *L, uint64_t id, int lane, uint64_t ev)
{
    if (lane < 0 || lane >= GCS_LANE__COUNT || ev < L->last_ev)
        return GCS_EINVAL;
    L->last_ev = ev;
    objrec *r = rec_find(L, id);
    if (r != NULL && r->alive && L->pl[r->last - 1].lane == lane)
        return 0;
    if (!grow((void **)&L->pl, &L->cap_pl, L->n_pl, sizeof *L->pl))
        return GCS_ENOMEM;
    if (r == NULL && (r = rec_add(L, id)) == NULL)
        return GCS_ENOMEM;
    /* A move: the object is at the old place through ev - 1, new place from ev. */
    if (r->alive && !leave(L, r, ev > 0 ? ev - 1 : 0))
        return GCS_ENOMEM;
    release_pending(L, ev);
    placement *p = &L->pl[L->n_pl];
    p->from = ev;
    p->to = EV_OPEN;
    p->lane = lane;
    p->slot = take_slot(L, lane);
    p->next = 0;
    if (r->last != 0)
        L->pl[r->last - 1].next = (uint32_t)(L->n_pl + 1);
    else
        r->first = (uint32_t)(L->n_pl + 1);
    r->last = (uint32_t)(++L->n_pl);
    r->alive = true;
    if (++L->live[lane] > L->peak[lane])
        L->peak[lane] = L->live[lane];
    return 0;
}

int
gcs_layout_remove(gcs_layout *L, uint64_t id, uint64_t ev)
{
    objrec *r = rec_find(L, id);
    if (r == NULL || !r->alive)
        return 0;
    if (ev > L->last_ev)
        L->last_ev = ev;
    return leave(L, r, ev) ? 0 : GCS_ENOMEM;
}

/* {==== Geometry ====} */

/* Lane widths for `rows` rows; returns the total width. */
static double
lanes_for_rows(const gcs_layout *L, int rows, gcs_lane_geom *out)
{
    double x = 0;
    for (int l = 0; l < GCS_LANE__COUNT; l++) {
        uint32_t slots = L->fresh[l]; /* every slot ever used must fit */
        int cols = slots == 0 ? 0 : (int)((slots + (uint32_t)rows - 1) / (uint32_t)rows);
        double w =
            cols == 0 ? GCS_LAYOUT_EMPTY_LANE : cols * GCS_LAYOUT_CELL_W + 2 * GCS_LAYOUT_LANE_PAD;
        out[l].x0 = x;
        out[l].x1 = x + w;
        out[l].cols = cols;
        out[l].peak = L->peak[l];
        x += w + GCS_LAYOUT_LANE_GAP;
    }
    return x - GCS_LAYOUT_LANE_GAP;
}

static double
height_for_rows(int rows)
{
    return GCS_LAYOUT_HEADER_H + rows * GCS_LAYOUT_CELL_H + GCS_LAYOUT_LANE_PAD;
}

void
gcs_layout_finish(gcs_layout *L, double aspect)
{
    uint32_t most = 1;
    for (int l = 0; l < GCS_LANE__COUNT; l++)
        if (L->fresh[l] > most)
            most = L->fresh[l];
    if (!(aspect > 0.1))
        aspect = 1.6;
    int best = 1;
    double best_err = INFINITY;
    gcs_lane_geom tmp[GCS_LANE__COUNT];
    uint32_t limit = most < 20000 ? most : 20000;
    for (uint32_t rows = 1; rows <= limit; rows++) {
        /* the scale at which the lanes fit an aspect x 1 view; bigger wins */
        double w = lanes_for_rows(L, (int)rows, tmp);
        double err = -fmin(aspect / w, 1.0 / height_for_rows((int)rows));
        if (err < best_err - 1e-12) {
            best_err = err;
            best = (int)rows;
        }
    }
    L->rows = best;
    L->width = lanes_for_rows(L, best, L->lanes);
    L->height = height_for_rows(best);
}

static void
slot_center(const gcs_layout *L, int lane, uint32_t slot, double *x, double *y)
{
    uint32_t rows = (uint32_t)(L->rows > 0 ? L->rows : 1);
    uint32_t col = slot / rows, row = slot % rows;
    *x = L->lanes[lane].x0 + GCS_LAYOUT_LANE_PAD + (col + 0.5) * GCS_LAYOUT_CELL_W;
    *y = GCS_LAYOUT_HEADER_H + (row + 0.5) * GCS_LAYOUT_CELL_H;
}

bool
gcs_layout_pos(const gcs_layout *L, uint64_t id, uint64_t ev, double *x, double *y, int *lane)
{
    const objrec *r = rec_find(L, id);
    if (r == NULL)
        return false;
    for (uint32_t i = r->first; i != 0; i = L->pl[i - 1].next) {
        const placement *p = &L->pl[i - 1];
        if (ev >= p->from && ev <= p->to) {
            slot_center(L, p->lane, p->slot, x, y);
            if (lane != NULL)
                *lane = p->lane;
            return true;
        }
    }
    return false;
}

void
gcs_layout_apply(const gcs_layout *L, gcs_scene *sc)
{
    uint64_t ev = sc->cur_event;
    for (size_t i = 0; i < sc->n_objs; i++) {
        gcs_sobj *o = &sc->objs[i];
        o->placed = gcs_layout_pos(L, o->id, ev, &o->x, &o->y, NULL);
        if (!o->placed && ev > 0) /* freed this step: keep its last place */
            o->placed = gcs_layout_pos(L, o->id, ev - 1, &o->x, &o->y, NULL);
        o->px = o->x;
        o->py = o->y;
        sc->compacted = false;
        if (o->placed && ev > 0 && (o->flags & GCS_SOBJ_MOVED))
            if (!gcs_layout_pos(L, o->id, ev - 1, &o->px, &o->py, NULL)) {
                o->px = o->x;
                o->py = o->y;
            }
    }
}

void
gcs_layout_lanes(const gcs_layout *L, gcs_lane_geom out[GCS_LANE__COUNT])
{
    memcpy(out, L->lanes, sizeof L->lanes);
}

void
gcs_layout_extent(const gcs_layout *L, double *w, double *h)
{
    *w = L->width;
    *h = L->height;
}

int
gcs_layout_rows(const gcs_layout *L)
{
    return L->rows;
}

uint64_t
gcs_layout_count(const gcs_layout *L)
{
    return L->n_recs;
}

/* {==== Compact stills ====} */

static const gcs_scene *cmp_sc; /* qsort context (single-threaded renderer) */

static int
cmp_slot(const void *a, const void *b)
{
    const gcs_sobj *p = &cmp_sc->objs[*(const uint32_t *)a],
                   *q = &cmp_sc->objs[*(const uint32_t *)b];
    if (p->lane != q->lane)
        return p->lane < q->lane ? -1 : 1;
    if (p->x != q->x)
        return p->x < q->x ? -1 : 1;
    if (p->y != q->y)
        return p->y < q->y ? -1 : 1;
    return (p->id > q->id) - (p->id < q->id);
}

/* Lane extents for n[l] objects in `rows` rows; returns the total width. */
static double
compact_lanes(const size_t n[GCS_LANE__COUNT], size_t rows, double x0[], double x1[])
{
    double x = 0;
    for (int l = 0; l < GCS_LANE__COUNT; l++) {
        size_t cols = (n[l] + rows - 1) / rows;
        double w =
            cols == 0 ? GCS_LAYOUT_EMPTY_LANE : cols * GCS_LAYOUT_CELL_W + 2 * GCS_LAYOUT_LANE_PAD;
        x0[l] = x;
        x1[l] = x + w;
        x += w + GCS_LAYOUT_LANE_GAP;
    }
    return x - GCS_LAYOUT_LANE_GAP;
}

int
gcs_layout_compact(gcs_scene *sc, double aspect)
{
    if (sc->compacted)
        return 0;
    uint32_t *ix = malloc((sc->n_objs + 1) * sizeof *ix);
    if (ix == NULL)
        return GCS_ENOMEM;
    size_t m = 0, n[GCS_LANE__COUNT] = {0}, most = 1;
    for (size_t i = 0; i < sc->n_objs; i++)
        if (sc->objs[i].placed && sc->objs[i].lane >= 0 && sc->objs[i].lane < GCS_LANE__COUNT) {
            ix[m++] = (uint32_t)i;
            n[sc->objs[i].lane]++;
        }
    for (int l = 0; l < GCS_LANE__COUNT; l++)
        most = n[l] > most ? n[l] : most;
    cmp_sc = sc;
    qsort(ix, m, sizeof *ix, cmp_slot);
    if (!(aspect > 0.1))
        aspect = 1.6;
    size_t best = 1;
    double best_s = -1;
    for (size_t rows = 1; rows <= most; rows++) {
        double w = compact_lanes(n, rows, sc->lane_x0, sc->lane_x1);
        double s = fmin(aspect / w, 1.0 / height_for_rows((int)rows));
        if (s > best_s + 1e-12) {
            best_s = s;
            best = rows;
        }
    }
    sc->world_w = compact_lanes(n, best, sc->lane_x0, sc->lane_x1);
    sc->world_h = height_for_rows((int)best);
    size_t k = 0;
    for (size_t j = 0; j < m; j++) {
        gcs_sobj *o = &sc->objs[ix[j]];
        if (j > 0 && o->lane != sc->objs[ix[j - 1]].lane)
            k = 0;
        o->x = sc->lane_x0[o->lane] + GCS_LAYOUT_LANE_PAD +
               ((double)(k / best) + 0.5) * GCS_LAYOUT_CELL_W;
        o->y = GCS_LAYOUT_HEADER_H + ((double)(k % best) + 0.5) * GCS_LAYOUT_CELL_H;
        o->px = o->x;
        o->py = o->y;
        k++;
    }
    free(ix);
    sc->compacted = true;
    return 0;
}
