/*
 * list.h - the core's intrusive doubly linked list.
 *
 * A node (hk_link) lives inside the structure it links, and
 * hk_list_entry() gets the structure back.  A list is a single pointer to
 * its first node, so all zeroes is an empty list (pools and heaps start
 * zeroed) and a heap's many lists stay one word each.  The first node's
 * prev points at the last node, which puts the back of the list one load
 * away without a second pointer; every other prev points at the node
 * before it, and the last node's next is NULL.
 *
 * Debug builds check membership: a node being linked must be unlinked
 * (prev NULL, as in zeroed memory); a node being removed must be linked,
 * with neighbours that point back at it, and be this list's first if
 * nothing links to it; removal clears the node again.
 */
#ifndef HK_LIST_H
#define HK_LIST_H

#include <stddef.h>

#include "debug.h"

typedef struct hk_link {
    struct hk_link *next, *prev;
} hk_link;

typedef struct hk_list {
    hk_link *first;
} hk_list;

#define hk_list_entry(link, type, member)                                    \
    ((type *)((char *)(link) - offsetof(type, member)))

/* Every node of l, first to last; the body may unlink or unmap the
 * current node n, not the one after it. */
#define hk_list_foreach(n, l)                                                \
    for (hk_link *n = (l)->first, *n##_next; n && (n##_next = n->next, 1);  \
         n = n##_next)

static inline void hk_list_init(hk_list *l)
{
    l->first = NULL;
}

static inline int hk_list_empty(const hk_list *l)
{
    return !l->first;
}

static inline hk_link *hk_list_first(const hk_list *l)
{
    return l->first;
}

static inline hk_link *hk_list_last(const hk_list *l)
{
    return l->first ? l->first->prev : NULL;
}

static inline void hk_list_push_front(hk_list *l, hk_link *n)
{
    HK_ASSERT(!n->prev);
    hk_link *first = l->first;
    n->next = first;
    n->prev = first ? first->prev : n;
    if (first)
        first->prev = n;
    l->first = n;
}

/* Link n right after pos, a node of l. */
static inline void hk_list_insert_after(hk_list *l, hk_link *pos, hk_link *n)
{
    HK_ASSERT(!n->prev && pos->prev);
    n->prev = pos;
    n->next = pos->next;
    if (pos->next)
        pos->next->prev = n;
    else
        l->first->prev = n;
    pos->next = n;
}

static inline void hk_list_remove(hk_list *l, hk_link *n)
{
    hk_link *next = n->next, *prev = n->prev;
    HK_ASSERT(prev && (n == l->first || prev->next == n));
    HK_ASSERT(next ? next->prev == n : l->first->prev == n);
    if (n == l->first) {
        l->first = next;
        if (next)
            next->prev = prev;
    } else {
        prev->next = next;
        if (next)
            next->prev = prev;
        else
            l->first->prev = prev;
    }
    if (HK_DEBUG)
        n->next = n->prev = NULL;
}

/* Unlink and return the first node, or NULL when l is empty. */
static inline hk_link *hk_list_pop_front(hk_list *l)
{
    hk_link *n = l->first;
    if (n)
        hk_list_remove(l, n);
    return n;
}

#endif
