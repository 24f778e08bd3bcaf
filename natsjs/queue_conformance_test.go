package natsjs

import (
	"testing"

	"github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/internal/queuetest"
)

func TestQueueConformance(t *testing.T) {
	queuetest.Run(t, func(t *testing.T) trailbridge.MessageStore {
		e, q := openQueues(t, t.TempDir())
		t.Cleanup(e.Close)
		return q
	})
}
