package democloud

import (
	"net/http"
	"slices"
	"strings"
)

var ec2Ops = map[string]operation{
	"RunInstances":       op((*Cloud).runInstances),
	"StopInstances":      op((*Cloud).stopInstances),
	"TerminateInstances": op((*Cloud).terminateInstances),
	"DescribeInstances":  op((*Cloud).describeInstances),
}

// maxInstances is the demo's instance limit for one RunInstances call.
const maxInstances = 20

// ec2Tag is a tag in EC2's shapes: Key and Value in JSON and requests,
// key and value in EC2's XML.
type ec2Tag struct {
	Key   string `json:"Key" xml:"key"`
	Value string `json:"Value" xml:"value"`
}

type tagSpecification struct {
	ResourceType string   `json:"ResourceType"`
	Tags         []ec2Tag `json:"Tags" query:"Tag"`
}

type runInstancesInput struct {
	ImageId           string             `json:"ImageId"`
	InstanceType      string             `json:"InstanceType"`
	MinCount          *int               `json:"MinCount"`
	MaxCount          *int               `json:"MaxCount"`
	TagSpecifications []tagSpecification `json:"TagSpecifications" query:"TagSpecification"`
	ClientToken       string             `json:"ClientToken"`
	DryRun            bool               `json:"DryRun"`
}

type instanceState struct {
	Code int    `json:"Code" xml:"code"`
	Name string `json:"Name" xml:"name"`
}

func stateOf(name string) instanceState { return instanceState{Code: stateCodes[name], Name: name} }

type placementShape struct {
	AvailabilityZone string `json:"AvailabilityZone" xml:"availabilityZone"`
	Tenancy          string `json:"Tenancy" xml:"tenancy"`
}

type instanceShape struct {
	InstanceId   string         `json:"InstanceId" xml:"instanceId"`
	ImageId      string         `json:"ImageId" xml:"imageId"`
	State        instanceState  `json:"State" xml:"instanceState"`
	InstanceType string         `json:"InstanceType" xml:"instanceType"`
	LaunchTime   awsTime        `json:"LaunchTime" xml:"launchTime"`
	Placement    placementShape `json:"Placement" xml:"placement"`
	ClientToken  string         `json:"ClientToken,omitempty" xml:"clientToken,omitempty"`
	Tags         []ec2Tag       `json:"Tags,omitempty" xml:"tagSet>item,omitempty"`
}

func (i *Instance) shape(state string) instanceShape {
	s := instanceShape{
		InstanceId: i.ID, ImageId: i.ImageID, State: stateOf(state), InstanceType: i.Type,
		LaunchTime: awsTime(i.Launched), Placement: placementShape{AvailabilityZone: i.Region + "a", Tenancy: "default"},
		ClientToken: i.ClientToken,
	}
	for _, t := range i.Tags {
		s.Tags = append(s.Tags, ec2Tag(t))
	}
	return s
}

type reservationShape struct {
	ReservationId string          `json:"ReservationId" xml:"reservationId"`
	OwnerId       string          `json:"OwnerId" xml:"ownerId"`
	Groups        []struct{}      `json:"Groups" xml:"-"`
	Instances     []instanceShape `json:"Instances" xml:"instancesSet>item"`
}

func missingParameter(name string) error {
	return errorf(http.StatusBadRequest, "MissingParameter", "The request must contain the parameter %s", name)
}

func dryRun() error {
	return errorf(http.StatusPreconditionFailed, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
}

// runInstances launches MaxCount instances (the demo always has room for
// them, up to its limit), tagged with the instance tag specifications. A
// call with the ClientToken of an earlier one (the aws CLI and the SDKs
// send a random one) answers that call's reservation again, launching
// nothing.
func (c *Cloud) runInstances(cl *call, in *runInstancesInput) (*reservationShape, error) {
	if len(in.ClientToken) > 64 {
		return nil, errorf(http.StatusBadRequest, "InvalidParameterValue", "Value (%s) for parameter clientToken is invalid. Must be at most 64 characters", in.ClientToken)
	}
	if in.ClientToken != "" && !in.DryRun {
		if out := c.reservationByToken(cl.region, in.ClientToken); out != nil {
			return out, nil
		}
	}
	switch {
	case in.ImageId == "":
		return nil, missingParameter("ImageId")
	case !strings.HasPrefix(in.ImageId, "ami-"):
		return nil, errorf(http.StatusBadRequest, "InvalidAMIID.Malformed", "Invalid id: %q (expecting \"ami-...\")", in.ImageId)
	case in.MinCount == nil:
		return nil, missingParameter("MinCount")
	case in.MaxCount == nil:
		return nil, missingParameter("MaxCount")
	case *in.MinCount < 1:
		return nil, errorf(http.StatusBadRequest, "InvalidParameterValue", "Value (%d) for parameter minCount is invalid. Must be greater than 0", *in.MinCount)
	case *in.MaxCount < *in.MinCount:
		return nil, errorf(http.StatusBadRequest, "InvalidParameterValue", "Value (%d) for parameter maxCount is invalid. Must be greater than or equal to minCount", *in.MaxCount)
	case *in.MinCount > maxInstances:
		return nil, errorf(http.StatusBadRequest, "InstanceLimitExceeded", "You have requested more instances (%d) than your current instance limit of %d allows for the specified instance type.", *in.MinCount, maxInstances)
	}
	var tags []Tag
	for _, ts := range in.TagSpecifications {
		switch ts.ResourceType {
		case "":
			return nil, errorf(http.StatusBadRequest, "InvalidParameterValue", "Tag specification resource type must have a value")
		case "instance":
			for _, t := range ts.Tags {
				if t.Key == "" || strings.HasPrefix(t.Key, "aws:") {
					return nil, errorf(http.StatusBadRequest, "InvalidParameterValue", "Tag key %q is not valid", t.Key)
				}
				tags = append(tags, Tag(t))
			}
		case "volume", "network-interface", "spot-instances-request", "elastic-gpu":
			// Resources the demo does not model; their tags are dropped.
		default:
			return nil, errorf(http.StatusBadRequest, "InvalidParameterValue", "'%s' is not a valid taggable resource type for this operation.", ts.ResourceType)
		}
	}
	if in.DryRun {
		return nil, dryRun()
	}
	typ := in.InstanceType
	if typ == "" {
		typ = "m1.small"
	}
	out := &reservationShape{ReservationId: c.hexID("r-"), OwnerId: c.account, Groups: []struct{}{}}
	for range min(*in.MaxCount, maxInstances) {
		i := &Instance{
			ID: c.hexID("i-"), ReservationID: out.ReservationId, Region: cl.region,
			ImageID: in.ImageId, Type: typ, State: StateRunning, Launched: cl.now, Tags: slices.Clone(tags),
			ClientToken: in.ClientToken, seq: len(c.instances),
		}
		c.instances[i.ID] = i
		out.Instances = append(out.Instances, i.shape(StatePending))
	}
	return out, nil
}

// reservationByToken is the reservation launched in region with
// ClientToken token, its instances in their current states; nil if there
// is none.
func (c *Cloud) reservationByToken(region, token string) *reservationShape {
	var insts []*Instance
	for _, i := range c.instances {
		if i.Region == region && i.ClientToken == token {
			insts = append(insts, i)
		}
	}
	if len(insts) == 0 {
		return nil
	}
	slices.SortFunc(insts, func(a, b *Instance) int { return a.seq - b.seq })
	out := &reservationShape{ReservationId: insts[0].ReservationID, OwnerId: c.account, Groups: []struct{}{}}
	for _, i := range insts {
		out.Instances = append(out.Instances, i.shape(i.State))
	}
	return out
}

type instanceIDsInput struct {
	InstanceIds []string `json:"InstanceIds" query:"InstanceId"`
	DryRun      bool     `json:"DryRun"`
}

// instancesOf returns the instances named by ids in cl's region, or the
// error EC2 answers for malformed or unknown IDs. c.mu is held.
func (c *Cloud) instancesOf(cl *call, ids []string) ([]*Instance, error) {
	var out []*Instance
	var missing []string
	for _, id := range ids {
		if !strings.HasPrefix(id, "i-") || len(id) < 3 {
			return nil, errorf(http.StatusBadRequest, "InvalidInstanceID.Malformed", "Invalid id: %q", id)
		}
		i, ok := c.instances[id]
		if !ok || i.Region != cl.region {
			missing = append(missing, id)
			continue
		}
		out = append(out, i)
	}
	switch len(missing) {
	case 0:
		return out, nil
	case 1:
		return nil, errorf(http.StatusBadRequest, "InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", missing[0])
	default:
		return nil, errorf(http.StatusBadRequest, "InvalidInstanceID.NotFound", "The instance IDs '%s' do not exist", strings.Join(missing, ", "))
	}
}

type stateChange struct {
	InstanceId    string        `json:"InstanceId" xml:"instanceId"`
	CurrentState  instanceState `json:"CurrentState" xml:"currentState"`
	PreviousState instanceState `json:"PreviousState" xml:"previousState"`
}

// change moves the instances named by in to state final, answering state
// transient for those that change (stopping, shutting-down). from says
// which states may change; the others fail with IncorrectInstanceState,
// except those already in the final state, which are left as they are.
func (c *Cloud) change(cl *call, in *instanceIDsInput, transient, final, verb string, from ...string) ([]stateChange, error) {
	if len(in.InstanceIds) == 0 {
		return nil, missingParameter("InstanceId")
	}
	insts, err := c.instancesOf(cl, in.InstanceIds)
	if err != nil {
		return nil, err
	}
	for _, i := range insts {
		if i.State != final && !slices.Contains(from, i.State) {
			return nil, errorf(http.StatusBadRequest, "IncorrectInstanceState", "This instance '%s' is not in a state from which it can be %s.", i.ID, verb)
		}
	}
	if in.DryRun {
		return nil, dryRun()
	}
	out := make([]stateChange, 0, len(insts))
	for _, i := range insts {
		ch := stateChange{InstanceId: i.ID, PreviousState: stateOf(i.State), CurrentState: stateOf(transient)}
		if i.State == final {
			ch.CurrentState = stateOf(final)
		}
		i.State = final
		out = append(out, ch)
	}
	return out, nil
}

type stopInstancesOutput struct {
	StoppingInstances []stateChange `json:"StoppingInstances" xml:"instancesSet>item"`
}

func (c *Cloud) stopInstances(cl *call, in *instanceIDsInput) (*stopInstancesOutput, error) {
	ch, err := c.change(cl, in, StateStopping, StateStopped, "stopped", StatePending, StateRunning)
	if err != nil {
		return nil, err
	}
	return &stopInstancesOutput{StoppingInstances: ch}, nil
}

type terminateInstancesOutput struct {
	TerminatingInstances []stateChange `json:"TerminatingInstances" xml:"instancesSet>item"`
}

func (c *Cloud) terminateInstances(cl *call, in *instanceIDsInput) (*terminateInstancesOutput, error) {
	ch, err := c.change(cl, in, StateShuttingDown, StateTerminated, "terminated", StatePending, StateRunning, StateStopping, StateStopped)
	if err != nil {
		return nil, err
	}
	return &terminateInstancesOutput{TerminatingInstances: ch}, nil
}

type filter struct {
	Name   string   `json:"Name"`
	Values []string `json:"Values" query:"Value"`
}

type describeInstancesInput struct {
	InstanceIds []string `json:"InstanceIds" query:"InstanceId"`
	Filters     []filter `json:"Filters" query:"Filter"`
}

type describeInstancesOutput struct {
	Reservations []reservationShape `json:"Reservations" xml:"reservationSet>item"`
}

// matches says whether i passes f: the demo knows the filters
// client-token, instance-id, instance-state-name, reservation-id, tag-key
// and tag:KEY.
func (f filter) matches(i *Instance) (bool, error) {
	switch {
	case f.Name == "client-token":
		return i.ClientToken != "" && slices.Contains(f.Values, i.ClientToken), nil
	case f.Name == "reservation-id":
		return slices.Contains(f.Values, i.ReservationID), nil
	case f.Name == "instance-id":
		return slices.Contains(f.Values, i.ID), nil
	case f.Name == "instance-state-name":
		return slices.Contains(f.Values, i.State), nil
	case f.Name == "tag-key":
		return slices.ContainsFunc(i.Tags, func(t Tag) bool { return slices.Contains(f.Values, t.Key) }), nil
	case strings.HasPrefix(f.Name, "tag:"):
		k := strings.TrimPrefix(f.Name, "tag:")
		return slices.ContainsFunc(i.Tags, func(t Tag) bool { return t.Key == k && slices.Contains(f.Values, t.Value) }), nil
	}
	return false, errorf(http.StatusBadRequest, "InvalidParameterValue", "The filter '%s' is invalid", f.Name)
}

// describeInstances lists the region's instances (terminated ones
// included) by reservation, in launch order.
func (c *Cloud) describeInstances(cl *call, in *describeInstancesInput) (*describeInstancesOutput, error) {
	var insts []*Instance
	if len(in.InstanceIds) > 0 {
		var err error
		if insts, err = c.instancesOf(cl, in.InstanceIds); err != nil {
			return nil, err
		}
	} else {
		for _, i := range c.instances {
			if i.Region == cl.region {
				insts = append(insts, i)
			}
		}
	}
	slices.SortFunc(insts, func(a, b *Instance) int { return a.seq - b.seq })
	out := &describeInstancesOutput{Reservations: []reservationShape{}}
	byRes := map[string]int{}
next:
	for _, i := range insts {
		for _, f := range in.Filters {
			ok, err := f.matches(i)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue next
			}
		}
		n, ok := byRes[i.ReservationID]
		if !ok {
			n = len(out.Reservations)
			byRes[i.ReservationID] = n
			out.Reservations = append(out.Reservations, reservationShape{ReservationId: i.ReservationID, OwnerId: c.account, Groups: []struct{}{}})
		}
		out.Reservations[n].Instances = append(out.Reservations[n].Instances, i.shape(i.State))
	}
	return out, nil
}
