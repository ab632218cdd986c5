/*
 * env.h - HAKMEM_* settings from the environment.
 */
#ifndef HK_ENV_H
#define HK_ENV_H

#include "core/params.h"

enum hk_stats_mode { HK_STATS_OFF, HK_STATS_TEXT, HK_STATS_JSON };

/*
 * Defaults overridden by HAKMEM_<NAME> (or an alias, hk_param_aliases)
 * for each parameter; *stats from HAKMEM_STATS (or HAKMEM_FRONT_STATS,
 * HAKMEM_SS_LRU_DEBUG): 0, 1, text or json.  A bad value,
 * or a HAKMEM_ variable that names nothing, gets one warning on stderr and
 * the default is kept.  Runs inside the first malloc: it must not allocate.
 */
void hk_env_params(hk_params *p, enum hk_stats_mode *stats);

#endif
