/*
 * env.h - HAKMEM_* settings from the environment.
 */
#ifndef HK_ENV_H
#define HK_ENV_H

#include "core/params.h"

enum hk_stats_mode { HK_STATS_OFF, HK_STATS_TEXT, HK_STATS_JSON };

/*
 * Defaults overridden by HAKMEM_<NAME> for each parameter.  A bad value,
 * or a HAKMEM_ variable that names nothing, gets one warning on stderr and
 * the default is kept.  Runs inside the first malloc: it must not allocate.
 */
void hk_env_params(hk_params *p, enum hk_stats_mode *stats);

#endif
