package democloud

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

type xmlTag struct{ Key, Value string }

type ec2XMLTag struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

type ec2XMLState struct {
	Code int    `xml:"code"`
	Name string `xml:"name"`
}

// queryError is the query protocol's error document.
type queryError struct {
	XMLName   xml.Name
	Type      string `xml:"Error>Type"`
	Code      string `xml:"Error>Code"`
	Message   string `xml:"Error>Message"`
	RequestID string `xml:"RequestId"`
}

// ec2Error is EC2's error document.
type ec2Error struct {
	XMLName   xml.Name
	Code      string `xml:"Errors>Error>Code"`
	Message   string `xml:"Errors>Error>Message"`
	RequestID string `xml:"RequestID"`
}

func decodeXML(t *testing.T, w *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := xml.Unmarshal(w.Body.Bytes(), v); err != nil {
		t.Fatalf("answer is not XML: %v\n%s", err, w.Body)
	}
}

func TestQueryIAM(t *testing.T) {
	c := newTestCloud()
	const ns = "https://iam.amazonaws.com/doc/2010-05-08/"

	t.Run("CreateUser: the user in XML", func(t *testing.T) {
		w := callQuery(t, c, "iam", "us-east-1", "Action=CreateUser&Version=2010-05-08&UserName=carol&Path=%2Fops%2F&Tags.member.1.Key=team&Tags.member.1.Value=blue&Tags.member.2.Key=cost-center&Tags.member.2.Value=cc-9")
		if got, want := w.Code, 200; got != want {
			t.Fatalf("status: got %d, want %d: %s", got, want, w.Body)
		}
		var got struct {
			XMLName xml.Name `xml:"CreateUserResponse"`
			User    struct {
				Path, UserName, UserId, Arn, CreateDate string
				Tags                                    []xmlTag `xml:"Tags>member"`
			} `xml:"CreateUserResult>User"`
			RequestID string `xml:"ResponseMetadata>RequestId"`
		}
		decodeXML(t, w, &got)
		if got.XMLName.Space != ns {
			t.Errorf("namespace: got %q, want %q", got.XMLName.Space, ns)
		}
		u := got.User
		if u.Path != "/ops/" || u.UserName != "carol" || u.Arn != "arn:aws:iam::000000000000:user/ops/carol" ||
			u.CreateDate != "2025-03-04T10:00:00Z" || len(u.UserId) != 21 || u.UserId[:4] != "AIDA" {
			t.Errorf("user: %+v", u)
		}
		if want := []xmlTag{{"team", "blue"}, {"cost-center", "cc-9"}}; !slices.Equal(u.Tags, want) {
			t.Errorf("tags: got %v, want %v", u.Tags, want)
		}
		if got.RequestID == "" || got.RequestID != w.Header().Get("X-Amzn-RequestId") {
			t.Errorf("RequestId %q, header %q", got.RequestID, w.Header().Get("X-Amzn-RequestId"))
		}
		if got, want := w.Header().Get("Content-Type"), "text/xml"; got != want {
			t.Errorf("Content-Type: got %q, want %q", got, want)
		}
	})

	t.Run("AttachUserPolicy: no result element", func(t *testing.T) {
		w := callQuery(t, c, "iam", "us-east-1", "Action=AttachUserPolicy&Version=2010-05-08&UserName=carol&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FReadOnlyAccess")
		var got struct {
			XMLName   xml.Name  `xml:"AttachUserPolicyResponse"`
			Result    *struct{} `xml:"AttachUserPolicyResult"`
			RequestID string    `xml:"ResponseMetadata>RequestId"`
		}
		decodeXML(t, w, &got)
		if w.Code != 200 || got.Result != nil || got.RequestID == "" {
			t.Errorf("status %d, answer %s", w.Code, w.Body)
		}
		if u, _ := c.User("carol"); !slices.Equal(u.Policies, []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}) {
			t.Errorf("policies: %v", u.Policies)
		}
	})

	t.Run("ListAttachedUserPolicies by GET: members", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "/?Action=ListAttachedUserPolicies&Version=2010-05-08&UserName=carol", nil)
		r.Header.Set("Authorization", authorization("AKIDEMO", "us-east-1", "iam"))
		w := httptest.NewRecorder()
		c.ServeHTTP(w, r)
		var got struct {
			Policies  []struct{ PolicyName, PolicyArn string } `xml:"ListAttachedUserPoliciesResult>AttachedPolicies>member"`
			Truncated bool                                     `xml:"ListAttachedUserPoliciesResult>IsTruncated"`
		}
		decodeXML(t, w, &got)
		if len(got.Policies) != 1 || got.Policies[0].PolicyName != "ReadOnlyAccess" || got.Truncated {
			t.Errorf("answer %s", w.Body)
		}
	})

	t.Run("CreateLoginProfile then DeleteLoginProfile: disabled", func(t *testing.T) {
		w := callQuery(t, c, "iam", "us-east-1", "Action=CreateLoginProfile&Version=2010-05-08&UserName=carol&Password=p%40ss-W0rd&PasswordResetRequired=true")
		var got struct {
			UserName              string `xml:"CreateLoginProfileResult>LoginProfile>UserName"`
			PasswordResetRequired bool   `xml:"CreateLoginProfileResult>LoginProfile>PasswordResetRequired"`
		}
		decodeXML(t, w, &got)
		if got.UserName != "carol" || !got.PasswordResetRequired {
			t.Errorf("answer %s", w.Body)
		}
		w = callQuery(t, c, "iam", "us-east-1", "Action=DeleteLoginProfile&Version=2010-05-08&UserName=carol")
		if w.Code != 200 {
			t.Fatalf("DeleteLoginProfile: %d %s", w.Code, w.Body)
		}
		if u, _ := c.User("carol"); u.Login != LoginDisabled {
			t.Errorf("login: %q", u.Login)
		}
	})

	for _, tc := range []struct {
		name, service, form string
		status              int
		want                queryError
	}{
		{"unknown user: NoSuchEntity", "iam", "Action=GetUser&Version=2010-05-08&UserName=nobody", 404,
			queryError{Type: "Sender", Code: "NoSuchEntity", Message: "The user with name nobody cannot be found."}},
		{"existing user: EntityAlreadyExists", "iam", "Action=CreateUser&Version=2010-05-08&UserName=carol", 409,
			queryError{Type: "Sender", Code: "EntityAlreadyExists", Message: "User with name carol already exists."}},
		{"unknown action: InvalidAction", "iam", "Action=DeleteUser&Version=2010-05-08&UserName=carol", 400,
			queryError{Type: "Sender", Code: "InvalidAction", Message: "The action DeleteUser is not valid for this web service."}},
		{"no action: MissingAction", "iam", "Version=2010-05-08&UserName=carol", 400,
			queryError{Type: "Sender", Code: "MissingAction", Message: "The request must contain the parameter Action."}},
		{"a list where a value goes: ValidationError", "iam", "Action=GetUser&Version=2010-05-08&UserName.1=carol", 400,
			queryError{Type: "Sender", Code: "ValidationError", Message: "parameter UserName must be a value"}},
		{"tags not under member: ValidationError", "iam", "Action=CreateUser&Version=2010-05-08&UserName=dan&Tags.1.Key=a", 400,
			queryError{Type: "Sender", Code: "ValidationError", Message: "parameter Tags must be a list of Tags.member.N"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := callQuery(t, c, tc.service, "us-east-1", tc.form)
			if got, want := w.Code, tc.status; got != want {
				t.Errorf("status: got %d, want %d", got, want)
			}
			var got queryError
			decodeXML(t, w, &got)
			tc.want.XMLName = xml.Name{Space: ns, Local: "ErrorResponse"}
			tc.want.RequestID = w.Header().Get("X-Amzn-RequestId")
			if got != tc.want {
				t.Errorf("error:\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}

	t.Run("unsigned form: the action names the service", func(t *testing.T) {
		w := callQuery(t, c, "", "", "Action=GetUser&Version=2010-05-08&UserName=carol")
		var got struct {
			XMLName  xml.Name `xml:"GetUserResponse"`
			UserName string   `xml:"GetUserResult>User>UserName"`
		}
		decodeXML(t, w, &got)
		if got.UserName != "carol" || got.XMLName.Space != ns {
			t.Errorf("answer %d %s", w.Code, w.Body)
		}
	})
}

func TestQueryEC2(t *testing.T) {
	c := newTestCloud()
	const ns = "http://ec2.amazonaws.com/doc/2016-11-15/"
	type instance struct {
		InstanceId   string      `xml:"instanceId"`
		ImageId      string      `xml:"imageId"`
		InstanceType string      `xml:"instanceType"`
		State        ec2XMLState `xml:"instanceState"`
		LaunchTime   string      `xml:"launchTime"`
		Zone         string      `xml:"placement>availabilityZone"`
		Tags         []ec2XMLTag `xml:"tagSet>item"`
	}
	var ids []string

	t.Run("RunInstances: the reservation in EC2's XML", func(t *testing.T) {
		w := callQuery(t, c, "ec2", "us-west-2", "Action=RunInstances&Version=2016-11-15&ImageId=ami-0abc&InstanceType=t3.micro&MinCount=2&MaxCount=2"+
			"&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=owner&TagSpecification.1.Tag.1.Value=ana"+
			"&TagSpecification.1.Tag.2.Key=cost-center&TagSpecification.1.Tag.2.Value=cc-1")
		if w.Code != 200 {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		var got struct {
			XMLName       xml.Name
			RequestID     string     `xml:"requestId"`
			ReservationID string     `xml:"reservationId"`
			OwnerID       string     `xml:"ownerId"`
			Instances     []instance `xml:"instancesSet>item"`
		}
		decodeXML(t, w, &got)
		if got.XMLName != (xml.Name{Space: ns, Local: "RunInstancesResponse"}) {
			t.Errorf("root: %v", got.XMLName)
		}
		if got.RequestID == "" || got.OwnerID != "000000000000" || len(got.ReservationID) != 19 || len(got.Instances) != 2 {
			t.Fatalf("answer %s", w.Body)
		}
		for _, i := range got.Instances {
			ids = append(ids, i.InstanceId)
			want := instance{InstanceId: i.InstanceId, ImageId: "ami-0abc", InstanceType: "t3.micro", State: ec2XMLState{0, "pending"},
				LaunchTime: "2025-03-04T10:00:00Z", Zone: "us-west-2a", Tags: []ec2XMLTag{{"owner", "ana"}, {"cost-center", "cc-1"}}}
			if !slices.Equal(i.Tags, want.Tags) || i.ImageId != want.ImageId || i.State != want.State || i.LaunchTime != want.LaunchTime || i.Zone != want.Zone || i.InstanceType != want.InstanceType {
				t.Errorf("instance:\n got %+v\nwant %+v", i, want)
			}
			if inst, _ := c.Instance(i.InstanceId); inst.State != StateRunning || inst.Region != "us-west-2" {
				t.Errorf("state: %+v", inst)
			}
		}
	})

	t.Run("StopInstances: the state changes", func(t *testing.T) {
		w := callQuery(t, c, "ec2", "us-west-2", "Action=StopInstances&Version=2016-11-15&InstanceId.1="+ids[0]+"&InstanceId.2="+ids[1])
		var got struct {
			XMLName xml.Name `xml:"StopInstancesResponse"`
			Changes []struct {
				InstanceId string      `xml:"instanceId"`
				Current    ec2XMLState `xml:"currentState"`
				Previous   ec2XMLState `xml:"previousState"`
			} `xml:"instancesSet>item"`
		}
		decodeXML(t, w, &got)
		if len(got.Changes) != 2 {
			t.Fatalf("answer %d %s", w.Code, w.Body)
		}
		for i, ch := range got.Changes {
			if ch.InstanceId != ids[i] || ch.Current != (ec2XMLState{64, "stopping"}) || ch.Previous != (ec2XMLState{16, "running"}) {
				t.Errorf("change %d: %+v", i, ch)
			}
			if inst, _ := c.Instance(ids[i]); inst.State != StateStopped {
				t.Errorf("%s: %s", ids[i], inst.State)
			}
		}
	})

	t.Run("TerminateInstances: shutting down", func(t *testing.T) {
		w := callQuery(t, c, "ec2", "us-west-2", "Action=TerminateInstances&Version=2016-11-15&InstanceId.1="+ids[1])
		var got struct {
			Current ec2XMLState `xml:"instancesSet>item>currentState"`
		}
		decodeXML(t, w, &got)
		if got.Current != (ec2XMLState{32, "shutting-down"}) {
			t.Errorf("answer %s", w.Body)
		}
	})

	t.Run("DescribeInstances with a filter: the reservation", func(t *testing.T) {
		w := callQuery(t, c, "ec2", "us-west-2", "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=instance-state-name&Filter.1.Value.1=stopped&Filter.1.Value.2=running")
		var got struct {
			Reservations []struct {
				Instances []instance `xml:"instancesSet>item"`
			} `xml:"reservationSet>item"`
		}
		decodeXML(t, w, &got)
		if len(got.Reservations) != 1 || len(got.Reservations[0].Instances) != 1 || got.Reservations[0].Instances[0].InstanceId != ids[0] {
			t.Errorf("answer %s", w.Body)
		}
	})

	for _, tc := range []struct {
		name, form string
		status     int
		code, msg  string
	}{
		{"unknown instance: InvalidInstanceID.NotFound", "Action=StopInstances&Version=2016-11-15&InstanceId.1=i-0000000000000dead", 400,
			"InvalidInstanceID.NotFound", "The instance ID 'i-0000000000000dead' does not exist"},
		{"no instance: MissingParameter", "Action=StopInstances&Version=2016-11-15", 400,
			"MissingParameter", "The request must contain the parameter InstanceId"},
		{"instance IDs not a list: InvalidParameterValue", "Action=StopInstances&Version=2016-11-15&InstanceId=i-1", 400,
			"InvalidParameterValue", "parameter InstanceId must be a list (InstanceId.1, InstanceId.2, …)"},
		{"count not a number: InvalidParameterValue", "Action=RunInstances&Version=2016-11-15&ImageId=ami-1&MinCount=one&MaxCount=1", 400,
			"InvalidParameterValue", `parameter MinCount must be an integer, not "one"`},
		{"unknown action: InvalidAction", "Action=RebootInstances&Version=2016-11-15&InstanceId.1=i-1", 400,
			"InvalidAction", "The action RebootInstances is not valid for this web service."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := callQuery(t, c, "ec2", "us-west-2", tc.form)
			if got, want := w.Code, tc.status; got != want {
				t.Errorf("status: got %d, want %d", got, want)
			}
			var got ec2Error
			decodeXML(t, w, &got)
			want := ec2Error{XMLName: xml.Name{Local: "Response"}, Code: tc.code, Message: tc.msg, RequestID: w.Header().Get("X-Amzn-RequestId")}
			if got != want {
				t.Errorf("error:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestQueryRDS(t *testing.T) {
	c := newTestCloud()
	const ns = "http://rds.amazonaws.com/doc/2014-10-31/"
	type snapshot struct {
		DBSnapshotIdentifier, DBInstanceIdentifier, Status, DBSnapshotArn, SnapshotCreateTime, SourceRegion string
		SourceDBSnapshotIdentifier                                                                          string
		Tags                                                                                                []xmlTag `xml:"TagList>Tag"`
	}

	t.Run("CreateDBSnapshot: the snapshot, creating", func(t *testing.T) {
		w := callQuery(t, c, "rds", "us-east-1", "Action=CreateDBSnapshot&Version=2014-10-31&DBSnapshotIdentifier=nightly&DBInstanceIdentifier=orders&Tags.Tag.1.Key=owner&Tags.Tag.1.Value=dba")
		var got struct {
			XMLName  xml.Name
			Snapshot snapshot `xml:"CreateDBSnapshotResult>DBSnapshot"`
		}
		decodeXML(t, w, &got)
		want := snapshot{DBSnapshotIdentifier: "nightly", DBInstanceIdentifier: "orders", Status: "creating",
			DBSnapshotArn: "arn:aws:rds:us-east-1:000000000000:snapshot:nightly", SnapshotCreateTime: "2025-03-04T10:00:00Z", Tags: []xmlTag{{"owner", "dba"}}}
		if got.XMLName != (xml.Name{Space: ns, Local: "CreateDBSnapshotResponse"}) || !snapshotsEqual(got.Snapshot, want) {
			t.Errorf("answer:\n got %+v\nwant %+v\n%s", got, want, w.Body)
		}
	})

	t.Run("CopyDBSnapshot at the DR region, with the CLI's PreSignedUrl: pending", func(t *testing.T) {
		w := callQuery(t, c, "rds", "eu-west-1", "Action=CopyDBSnapshot&Version=2014-10-31"+
			"&SourceDBSnapshotIdentifier=arn%3Aaws%3Ards%3Aus-east-1%3A000000000000%3Asnapshot%3Anightly&TargetDBSnapshotIdentifier=nightly-dr"+
			"&PreSignedUrl=https%3A%2F%2Frds.us-east-1.amazonaws.com%2F%3FAction%3DCopyDBSnapshot%26X-Amz-Signature%3Dabc")
		var got struct {
			Snapshot snapshot `xml:"CopyDBSnapshotResult>DBSnapshot"`
		}
		decodeXML(t, w, &got)
		want := snapshot{DBSnapshotIdentifier: "nightly-dr", DBInstanceIdentifier: "orders", Status: "pending",
			DBSnapshotArn: "arn:aws:rds:eu-west-1:000000000000:snapshot:nightly-dr", SnapshotCreateTime: "2025-03-04T10:00:00Z",
			SourceRegion: "us-east-1", SourceDBSnapshotIdentifier: "arn:aws:rds:us-east-1:000000000000:snapshot:nightly"}
		if !snapshotsEqual(got.Snapshot, want) {
			t.Errorf("answer:\n got %+v\nwant %+v\n%s", got.Snapshot, want, w.Body)
		}
		if s, ok := c.Snapshot("eu-west-1", "nightly-dr"); !ok || s.Status != "available" {
			t.Errorf("copy: %+v", s)
		}
	})

	t.Run("DescribeDBSnapshots: the list", func(t *testing.T) {
		w := callQuery(t, c, "rds", "eu-west-1", "Action=DescribeDBSnapshots&Version=2014-10-31")
		var got struct {
			Snapshots []snapshot `xml:"DescribeDBSnapshotsResult>DBSnapshots>DBSnapshot"`
		}
		decodeXML(t, w, &got)
		if len(got.Snapshots) != 1 || got.Snapshots[0].DBSnapshotIdentifier != "nightly-dr" || got.Snapshots[0].Status != "available" {
			t.Errorf("answer %s", w.Body)
		}
	})

	t.Run("unknown snapshot: DBSnapshotNotFound", func(t *testing.T) {
		w := callQuery(t, c, "rds", "eu-west-1", "Action=DescribeDBSnapshots&Version=2014-10-31&DBSnapshotIdentifier=gone")
		var got queryError
		decodeXML(t, w, &got)
		want := queryError{XMLName: xml.Name{Space: ns, Local: "ErrorResponse"}, Type: "Sender", Code: "DBSnapshotNotFound",
			Message: "DBSnapshot gone not found.", RequestID: w.Header().Get("X-Amzn-RequestId")}
		if w.Code != 404 || got != want {
			t.Errorf("error %d:\n got %+v\nwant %+v", w.Code, got, want)
		}
	})
}

func snapshotsEqual[T any](a, b T) bool {
	x, _ := xml.Marshal(a)
	y, _ := xml.Marshal(b)
	return string(x) == string(y)
}
