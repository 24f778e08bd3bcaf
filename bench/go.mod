module github.com/trailbridge/trailbridge/bench

go 1.26.0

require (
	github.com/trailbridge/trailbridge v0.0.0
	quamina.net/go/quamina v1.5.1
)

replace github.com/trailbridge/trailbridge => ../

replace quamina.net/go/quamina => github.com/timbray/quamina v1.5.1
