module github.com/trailbridge/trailbridge

go 1.26
