/* traces/lesson09_weak_cache.c — Lesson 9: a weak-value cache.
 *
 *     cache = weakref.WeakValueDictionary()
 *     def load(name):
 *         img = cache.get(name)
 *         if img is None:
 *             img = Image(name); cache[name] = img
 *         return img
 *     a = load("cat.png"); b = load("cat.png")    # a miss, then a hit
 *     del a; del b        # the entry vanishes with the last strong reference
 *
 * The cache never keeps an image alive: it holds weak references (with
 * callbacks that remove the entry). As long as someone uses the image, loads
 * share it; as soon as nobody does, it is freed by refcounting and its entry
 * disappears, with no collector pass. Start reading at lesson09_run().
 */
#include "lesson_util.h"

/* load(name): the cached Image or a new one (NEW reference). */
static gcs_obj *
l09_load(lesson *L, const char *name, bool *hit)
{
    gcs_heap *h = L->h;
    gcs_obj *cache = lesson_var(h, "cache"), *key = NULL, *img = NULL;
    MUST(gcs_str_new(h, name, &key));
    int rc = gcs_wvdict_get(h, cache, key, &img);
    *hit = rc == 0 && img;
    if (*hit) {
        gcs_incref(h, img);
    } else {
        if (rc != GCS_ENOTFOUND)
            MUST(rc);
        img = NEW(h, lesson_var(h, "Image"));
        SET_STR_ATTR(h, img, "name", name);
        MUST(gcs_wvdict_set(h, cache, key, img));
    }
    gcs_decref(h, key);
    return img;
}

static int
lesson09_run(lesson *L)
{
    lesson_hide_gc_lists(L);
    gcs_heap *h = L->h;
    bool hit = false;

    STEP(L, "9.0 Lesson 9: a weak-value cache");
    BIND(h, "Image", CLASS(h, "Image", NULL, NULL));
    gcs_obj *cache = NULL;
    MUST(gcs_wvdict_new(h, &cache));
    lesson_watch(L, "cache", cache);
    BIND(h, "cache", cache);
    STEP(L, "9.1 cache = weakref.WeakValueDictionary()");

    gcs_obj *img = l09_load(L, "cat.png", &hit);
    lesson_watch(L, "img", img);
    BIND(h, "a", img);
    STEPF(L,
          "9.2 a = load('cat.png'): a %s, a new Image; the cache holds only a weak reference "
          "to it (refcount 1, the name a; len(cache) = %zu)",
          hit ? "hit" : "miss", gcs_wvdict_len(h, cache));

    img = l09_load(L, "cat.png", &hit);
    lesson_watch(L, "img_again", img);
    BIND(h, "b", img);
    STEPF(L, "9.3 b = load('cat.png'): a %s, the same Image (refcount 2: a and b), still %zu entry",
          hit ? "hit" : "miss", gcs_wvdict_len(h, cache));

    MUST(gcs_var_del(h, "a"));
    STEPF(L, "9.4 del a: b still uses the image, so its entry stays (len(cache) = %zu)",
          gcs_wvdict_len(h, cache));

    MUST(gcs_var_del(h, "b"));
    STEPF(L,
          "9.5 del b: the last strong reference is gone; the Image was freed at once and its "
          "entry vanished with it (len(cache) = %zu), no collector pass",
          gcs_wvdict_len(h, cache));

    img = l09_load(L, "cat.png", &hit);
    lesson_watch(L, "img_new", img);
    BIND(h, "c", img);
    STEPF(L, "9.6 c = load('cat.png'): a %s again, so a new Image is made", hit ? "hit" : "miss");
    MUST(gcs_var_del(h, "c"));
    return 0;
}

#ifndef LESSON_NO_MAIN
int
main(void)
{
    return lesson_main(lesson09_run);
}
#endif
