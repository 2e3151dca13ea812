/* src/replay/replay_int.h — test access to a replay's model (seek tests
 * compare the state after seek() with a straight replay from event 0). */
#ifndef GCS_REPLAY_INT_H
#define GCS_REPLAY_INT_H

#include "gcscope/replay.h"
#include "model.h"

/* The model at the cursor (borrowed). */
const gcs_model *gcs_replay_model_(const gcs_replay *r);
/* The reader (borrowed). */
gcs_reader *gcs_replay_reader_(gcs_replay *r);
/* Number of keyframes. */
size_t gcs_replay_n_keyframes_(const gcs_replay *r);

#endif
