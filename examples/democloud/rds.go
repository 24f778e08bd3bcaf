package democloud

import (
	"net/http"
	"slices"
	"strings"
)

var rdsOps = map[string]operation{
	"CreateDBSnapshot":    op((*Cloud).createDBSnapshot),
	"CopyDBSnapshot":      op((*Cloud).copyDBSnapshot),
	"DescribeDBSnapshots": op((*Cloud).describeDBSnapshots),
}

// The made-up engine details every snapshot reports.
const (
	snapshotEngine        = "postgres"
	snapshotEngineVersion = "16.3"
	snapshotStorage       = 20
	snapshotPort          = 5432
)

type dbSnapshotShape struct {
	DBSnapshotIdentifier       string   `json:"DBSnapshotIdentifier" xml:"DBSnapshotIdentifier"`
	DBInstanceIdentifier       string   `json:"DBInstanceIdentifier" xml:"DBInstanceIdentifier"`
	SnapshotCreateTime         awsTime  `json:"SnapshotCreateTime" xml:"SnapshotCreateTime"`
	Engine                     string   `json:"Engine" xml:"Engine"`
	EngineVersion              string   `json:"EngineVersion" xml:"EngineVersion"`
	AllocatedStorage           int      `json:"AllocatedStorage" xml:"AllocatedStorage"`
	Status                     string   `json:"Status" xml:"Status"`
	Port                       int      `json:"Port" xml:"Port"`
	AvailabilityZone           string   `json:"AvailabilityZone" xml:"AvailabilityZone"`
	SnapshotType               string   `json:"SnapshotType" xml:"SnapshotType"`
	PercentProgress            int      `json:"PercentProgress" xml:"PercentProgress"`
	SourceRegion               string   `json:"SourceRegion,omitempty" xml:"SourceRegion,omitempty"`
	SourceDBSnapshotIdentifier string   `json:"SourceDBSnapshotIdentifier,omitempty" xml:"SourceDBSnapshotIdentifier,omitempty"`
	StorageType                string   `json:"StorageType" xml:"StorageType"`
	Encrypted                  bool     `json:"Encrypted" xml:"Encrypted"`
	DBSnapshotArn              string   `json:"DBSnapshotArn" xml:"DBSnapshotArn"`
	TagList                    []iamTag `json:"TagList" xml:"TagList>Tag"`
}

// shape is s as RDS shows it; status and progress are the answer's, not
// the state's, for the call that creates it.
func (s *Snapshot) shape(status string, progress int) dbSnapshotShape {
	return dbSnapshotShape{
		DBSnapshotIdentifier: s.ID, DBInstanceIdentifier: s.DBInstance, SnapshotCreateTime: awsTime(s.Created),
		Engine: snapshotEngine, EngineVersion: snapshotEngineVersion, AllocatedStorage: snapshotStorage,
		Status: status, Port: snapshotPort, AvailabilityZone: s.Region + "a", SnapshotType: s.Type,
		PercentProgress: progress, SourceRegion: s.SourceRegion, SourceDBSnapshotIdentifier: s.SourceARN,
		StorageType: "gp2", DBSnapshotArn: s.ARN, TagList: fromTags(s.Tags),
	}
}

// checkRDSIdentifier checks RDS's identifier rules: a letter first, then
// letters, digits and hyphens, no two hyphens in a row, no hyphen last,
// at most 255 characters.
func checkRDSIdentifier(member, id string) error {
	if id == "" {
		return missingParameter(member)
	}
	ok := len(id) <= 255 && (id[0] >= 'a' && id[0] <= 'z' || id[0] >= 'A' && id[0] <= 'Z') &&
		!strings.HasSuffix(id, "-") && !strings.Contains(id, "--")
	for i := 0; ok && i < len(id); i++ {
		ch := id[i]
		ok = ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-'
	}
	if !ok {
		return errorf(http.StatusBadRequest, "InvalidParameterValue",
			"The parameter %s is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.", member)
	}
	return nil
}

func (c *Cloud) snapshotARN(region, id string) string {
	return "arn:aws:rds:" + region + ":" + c.account + ":snapshot:" + id
}

type createDBSnapshotInput struct {
	DBSnapshotIdentifier string   `json:"DBSnapshotIdentifier"`
	DBInstanceIdentifier string   `json:"DBInstanceIdentifier"`
	Tags                 []iamTag `json:"Tags" query:"Tags,Tag"`
}

type dbSnapshotOutput struct {
	DBSnapshot dbSnapshotShape `json:"DBSnapshot" xml:"DBSnapshot"`
}

// createDBSnapshot answers status creating; the snapshot is available
// from then on.
func (c *Cloud) createDBSnapshot(cl *call, in *createDBSnapshotInput) (*dbSnapshotOutput, error) {
	if err := checkRDSIdentifier("DBSnapshotIdentifier", in.DBSnapshotIdentifier); err != nil {
		return nil, err
	}
	if err := checkRDSIdentifier("DBInstanceIdentifier", in.DBInstanceIdentifier); err != nil {
		return nil, err
	}
	k := snapshotKey{cl.region, strings.ToLower(in.DBSnapshotIdentifier)}
	if _, ok := c.snapshots[k]; ok {
		return nil, snapshotExists(in.DBSnapshotIdentifier)
	}
	s := &Snapshot{
		ID: k.id, DBInstance: strings.ToLower(in.DBInstanceIdentifier), Region: cl.region,
		ARN: c.snapshotARN(cl.region, k.id), Status: "available", Created: cl.now, Type: "manual", Tags: toTags(in.Tags),
	}
	c.snapshots[k] = s
	return &dbSnapshotOutput{DBSnapshot: s.shape("creating", 0)}, nil
}

func snapshotExists(id string) error {
	return errorf(http.StatusBadRequest, "DBSnapshotAlreadyExists", "Cannot create the snapshot because a snapshot with the identifier %s already exists.", id)
}

func snapshotNotFound(id string) error {
	return errorf(http.StatusNotFound, "DBSnapshotNotFound", "DBSnapshot %s not found.", id)
}

type copyDBSnapshotInput struct {
	SourceDBSnapshotIdentifier string   `json:"SourceDBSnapshotIdentifier"`
	TargetDBSnapshotIdentifier string   `json:"TargetDBSnapshotIdentifier"`
	SourceRegion               string   `json:"SourceRegion"`
	CopyTags                   bool     `json:"CopyTags"`
	Tags                       []iamTag `json:"Tags" query:"Tags,Tag"`
}

// copyDBSnapshot copies a snapshot into the request's region, as AWS does
// when called at the destination region's endpoint. The source is an ARN
// (whose region is the source region) or an identifier in SourceRegion,
// else in the request's region.
func (c *Cloud) copyDBSnapshot(cl *call, in *copyDBSnapshotInput) (*dbSnapshotOutput, error) {
	src := in.SourceDBSnapshotIdentifier
	if src == "" {
		return nil, missingParameter("SourceDBSnapshotIdentifier")
	}
	if err := checkRDSIdentifier("TargetDBSnapshotIdentifier", in.TargetDBSnapshotIdentifier); err != nil {
		return nil, err
	}
	region, id := cl.region, src
	if in.SourceRegion != "" {
		region = in.SourceRegion
	}
	if strings.HasPrefix(src, "arn:") {
		parts := strings.Split(src, ":")
		if len(parts) != 7 || parts[2] != "rds" || parts[5] != "snapshot" || parts[3] == "" {
			return nil, errorf(http.StatusBadRequest, "InvalidParameterValue", "The parameter SourceDBSnapshotIdentifier is not a valid identifier: %s", src)
		}
		if parts[4] != c.account {
			return nil, snapshotNotFound(src)
		}
		region, id = parts[3], parts[6]
	} else if err := checkRDSIdentifier("SourceDBSnapshotIdentifier", src); err != nil {
		return nil, err
	}
	s, ok := c.snapshots[snapshotKey{region, strings.ToLower(id)}]
	if !ok {
		return nil, snapshotNotFound(src)
	}
	if s.Status != "available" {
		return nil, errorf(http.StatusBadRequest, "InvalidDBSnapshotState", "Snapshot %s is not in the available state.", s.ID)
	}
	k := snapshotKey{cl.region, strings.ToLower(in.TargetDBSnapshotIdentifier)}
	if _, ok := c.snapshots[k]; ok {
		return nil, snapshotExists(in.TargetDBSnapshotIdentifier)
	}
	cp := &Snapshot{
		ID: k.id, DBInstance: s.DBInstance, Region: cl.region, ARN: c.snapshotARN(cl.region, k.id),
		Status: "available", Created: cl.now, Type: "manual", SourceARN: s.ARN, Tags: toTags(in.Tags),
	}
	if s.Region != cl.region {
		cp.SourceRegion = s.Region
	}
	if in.CopyTags {
		cp.Tags = append(slices.Clone(s.Tags), cp.Tags...)
	}
	c.snapshots[k] = cp
	return &dbSnapshotOutput{DBSnapshot: cp.shape("pending", 0)}, nil
}

type describeDBSnapshotsInput struct {
	DBSnapshotIdentifier string `json:"DBSnapshotIdentifier"`
	DBInstanceIdentifier string `json:"DBInstanceIdentifier"`
	SnapshotType         string `json:"SnapshotType"`
}

type describeDBSnapshotsOutput struct {
	DBSnapshots []dbSnapshotShape `json:"DBSnapshots" xml:"DBSnapshots>DBSnapshot"`
}

// describeDBSnapshots lists the region's snapshots, by identifier.
func (c *Cloud) describeDBSnapshots(cl *call, in *describeDBSnapshotsInput) (*describeDBSnapshotsOutput, error) {
	out := &describeDBSnapshotsOutput{DBSnapshots: []dbSnapshotShape{}}
	id := strings.ToLower(in.DBSnapshotIdentifier)
	if strings.HasPrefix(id, "arn:") {
		id = id[strings.LastIndex(id, ":")+1:]
	}
	for k, s := range c.snapshots {
		if k.region != cl.region || id != "" && k.id != id ||
			in.DBInstanceIdentifier != "" && s.DBInstance != strings.ToLower(in.DBInstanceIdentifier) ||
			in.SnapshotType != "" && s.Type != in.SnapshotType {
			continue
		}
		out.DBSnapshots = append(out.DBSnapshots, s.shape(s.Status, 100))
	}
	if id != "" && len(out.DBSnapshots) == 0 {
		return nil, snapshotNotFound(in.DBSnapshotIdentifier)
	}
	slices.SortFunc(out.DBSnapshots, func(a, b dbSnapshotShape) int { return strings.Compare(a.DBSnapshotIdentifier, b.DBSnapshotIdentifier) })
	return out, nil
}
