package awsapi

import (
	"testing"

	tb "github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/internal/queuetest"
)

func TestMemoryMessagesConformance(t *testing.T) {
	queuetest.Run(t, func(*testing.T) tb.MessageStore { return NewMemoryMessages() })
}
