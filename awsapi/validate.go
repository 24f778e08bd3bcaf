package awsapi

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	tb "github.com/trailbridge/trailbridge"
)

// violations collects constraint failures and reports them as AWS does:
// "2 validation errors detected: Value 'x' at 'name' failed to satisfy
// constraint: Member must ...; Value ...". Paths are the members'
// lower-camel names, with list members as "targets.1.member.id".
type violations []string

func (v *violations) add(value, path, constraint string) {
	*v = append(*v, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", value, path, constraint))
}

func (v violations) err() error {
	switch len(v) {
	case 0:
		return nil
	case 1:
		return tb.Errorf(tb.CodeValidation, "1 validation error detected: %s", v[0])
	}
	return tb.Errorf(tb.CodeValidation, "%d validation errors detected: %s", len(v), strings.Join(v, "; "))
}

func quote(s string) string { return "'" + s + "'" }

// str checks a string member: required (not null), length in characters
// and, when re is set, the whole value against it.
func (v *violations) str(s *string, path string, required bool, min, max int, re *regexp.Regexp) {
	if s == nil {
		if required {
			v.add("null", path, "Member must not be null")
		}
		return
	}
	n := utf8.RuneCountInString(*s)
	if n < min {
		v.add(quote(*s), path, fmt.Sprintf("Member must have length greater than or equal to %d", min))
	}
	if max > 0 && n > max {
		v.add(quote(*s), path, fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
	if re != nil && n >= min && !re.MatchString(*s) {
		v.add(quote(*s), path, "Member must satisfy regular expression pattern: "+modelPatternText(re))
	}
}

func (v *violations) enum(s *string, path string, values ...string) {
	if s == nil {
		return
	}
	for _, e := range values {
		if *s == e {
			return
		}
	}
	v.add(quote(*s), path, "Member must satisfy enum value set: ["+strings.Join(values, ", ")+"]")
}

func (v *violations) intRange(n *int, path string, min, max int) {
	if n == nil {
		return
	}
	if *n < min {
		v.add(quote(strconv.Itoa(*n)), path, fmt.Sprintf("Member must have value greater than or equal to %d", min))
	}
	if *n > max {
		v.add(quote(strconv.Itoa(*n)), path, fmt.Sprintf("Member must have value less than or equal to %d", max))
	}
}

// pattern compiles an AWS model pattern so it must match the whole value;
// messages show the pattern as the model writes it.
func modelPattern(p string) *regexp.Regexp { return regexp.MustCompile("^(?:" + p + ")$") }

// modelPatternText is a pattern of modelPattern as the model writes it.
func modelPatternText(re *regexp.Regexp) string {
	return strings.TrimSuffix(strings.TrimPrefix(re.String(), "^(?:"), ")$")
}

// Patterns from EventBridge's API model.
var (
	reRuleName      = modelPattern(`[\.\-_A-Za-z0-9]+`)
	reBusName       = modelPattern(`[/\.\-_A-Za-z0-9]+`)
	reBusNameOrArn  = modelPattern(`(arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[/\.\-_A-Za-z0-9]+`)
	reNonPartnerBus = modelPattern(`[\.\-_A-Za-z0-9]+`)
	// PutEvents entries name their bus by a name without '/' or an ARN.
	reNonPartnerBusOrArn = modelPattern(`(arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[\.\-_A-Za-z0-9]+`)
	reEndpointID         = modelPattern(`^[A-Za-z0-9\-]+[\.][A-Za-z0-9\-]+$`)
	reKmsKeyID           = modelPattern(`[a-zA-Z0-9_\-/:]*`)
	reTargetID           = modelPattern(`[\.\-_A-Za-z0-9]+`)
	reStatementID        = modelPattern(`[a-zA-Z0-9-_]+`)
	rePrincipal          = modelPattern(`(\d{12}|\*)`)
	reAction             = modelPattern(`events:[a-zA-Z]+`)
	reEventSource        = modelPattern(`aws\.partner(/[\.\-_A-Za-z0-9]+){2,}`)
	reInputPathsKey      = modelPattern(`[A-Za-z0-9\_\-]+`)
)

func itoa(i int) string { return strconv.Itoa(i) }
