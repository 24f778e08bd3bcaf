package trailbridge

import "strings"

// Place is where resources live: the region and account in their ARNs.
type Place struct {
	Region  string
	Account string
}

// BusARN is the ARN of the event bus called name.
func (p Place) BusARN(name string) string {
	return "arn:aws:events:" + p.Region + ":" + p.Account + ":event-bus/" + name
}

// RuleARN is the ARN of a rule: rule/NAME on the default bus,
// rule/BUS/NAME on others.
func (p Place) RuleARN(bus, name string) string {
	if bus == DefaultBus {
		return "arn:aws:events:" + p.Region + ":" + p.Account + ":rule/" + name
	}
	return "arn:aws:events:" + p.Region + ":" + p.Account + ":rule/" + bus + "/" + name
}

// ParseResourceARN reads an EventBridge bus or rule ARN: kind is
// "event-bus" or "rule"; bus and name are set as they apply. ok is false
// for any other string.
func ParseResourceARN(arn string) (kind, bus, name string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "events" {
		return "", "", "", false
	}
	res := parts[5]
	switch {
	case strings.HasPrefix(res, "event-bus/"):
		bus = strings.TrimPrefix(res, "event-bus/")
		return "event-bus", bus, "", bus != ""
	case strings.HasPrefix(res, "rule/"):
		rest := strings.TrimPrefix(res, "rule/")
		if i := strings.LastIndexByte(rest, '/'); i >= 0 {
			return "rule", rest[:i], rest[i+1:], i > 0 && i < len(rest)-1
		}
		return "rule", DefaultBus, rest, rest != ""
	}
	return "", "", "", false
}
