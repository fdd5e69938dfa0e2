package restapi

import (
	"strconv"
	"time"
)

// Status is a call status as the API and the status callbacks name it.
type Status string

// The statuses of a call. Initiated is a status-callback event only: the
// resource stays queued until it rings, as on Twilio.
const (
	StatusQueued     Status = "queued"
	StatusInitiated  Status = "initiated"
	StatusRinging    Status = "ringing"
	StatusInProgress Status = "in-progress"
	StatusCompleted  Status = "completed"
	StatusBusy       Status = "busy"
	StatusNoAnswer   Status = "no-answer"
	StatusFailed     Status = "failed"
	StatusCanceled   Status = "canceled"
)

// Ended reports whether s is an end status.
func (s Status) Ended() bool {
	switch s {
	case StatusCompleted, StatusBusy, StatusNoAnswer, StatusFailed, StatusCanceled:
		return true
	}
	return false
}

// resourceStatuses are the values the resource's status (and the list's
// Status filter) takes.
var resourceStatuses = []Status{StatusQueued, StatusRinging, StatusInProgress, StatusCompleted, StatusBusy, StatusFailed, StatusNoAnswer, StatusCanceled}

// step orders statuses so Report can refuse going backwards.
func (s Status) step() int {
	switch s {
	case StatusQueued:
		return 0
	case StatusInitiated:
		return 1
	case StatusRinging:
		return 2
	case StatusInProgress:
		return 3
	}
	if s.Ended() {
		return 4
	}
	return -1
}

// TimeFormat is the RFC 2822 form of the API's dates, always in UTC.
const TimeFormat = "Mon, 02 Jan 2006 15:04:05 -0700"

// FormatTime renders t as the API does.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// CallDuration is the whole seconds between the answer and the end, the
// value of the resource's duration and of a status callback's CallDuration.
func CallDuration(answered, ended time.Time) int {
	if answered.IsZero() || ended.Before(answered) {
		return 0
	}
	return int(ended.Sub(answered) / time.Second)
}

// Call is the Call resource as the API renders it, field for field as
// Twilio's JSON; pointers are the fields Twilio sends as null when unset.
type Call struct {
	Sid             string            `json:"sid"`
	DateCreated     string            `json:"date_created"`
	DateUpdated     string            `json:"date_updated"`
	ParentCallSid   *string           `json:"parent_call_sid"`
	AccountSid      string            `json:"account_sid"`
	To              string            `json:"to"`
	ToFormatted     string            `json:"to_formatted"`
	From            string            `json:"from"`
	FromFormatted   string            `json:"from_formatted"`
	PhoneNumberSid  *string           `json:"phone_number_sid"`
	Status          Status            `json:"status"`
	StartTime       *string           `json:"start_time"`
	EndTime         *string           `json:"end_time"`
	Duration        *string           `json:"duration"`
	Price           *string           `json:"price"`
	PriceUnit       string            `json:"price_unit"`
	Direction       string            `json:"direction"`
	AnsweredBy      *string           `json:"answered_by"`
	APIVersion      string            `json:"api_version"`
	ForwardedFrom   *string           `json:"forwarded_from"`
	GroupSid        *string           `json:"group_sid"`
	CallerName      *string           `json:"caller_name"`
	QueueTime       string            `json:"queue_time"`
	TrunkSid        *string           `json:"trunk_sid"`
	URI             string            `json:"uri"`
	SubresourceURIs map[string]string `json:"subresource_uris"`
}

// subresources are the keys of subresource_uris; the value's path part is the key in CamelCase.
var subresources = [][2]string{
	{"notifications", "Notifications"},
	{"recordings", "Recordings"},
	{"payments", "Payments"},
	{"events", "Events"},
	{"siprec", "Siprec"},
	{"streams", "Streams"},
	{"transcriptions", "Transcriptions"},
	{"user_defined_message_subscriptions", "UserDefinedMessageSubscriptions"},
	{"user_defined_messages", "UserDefinedMessages"},
}

// record is the stored state of one call. Its mutable fields are guarded by
// the store's mutex.
type record struct {
	sid, account   string
	to, from       string
	toFmt, fromFmt string
	numberSid      string
	seq            uint64 // creation order, for paging and eviction

	status     Status // the step reached, initiated included
	created    time.Time
	updated    time.Time
	start      time.Time // initiated
	answered   time.Time
	end        time.Time
	answeredBy string

	changed chan struct{} // closed and replaced at each change, to wake waiters
	live    *Live         // nil once the engine has returned
}

func strp(s string) *string { return &s }

func timep(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	return strp(FormatTime(t))
}

// publicStatus is the resource's status: initiated shows as queued.
func (r *record) publicStatus() Status {
	if r.status == StatusInitiated {
		return StatusQueued
	}
	return r.status
}

// resource renders the record; the caller holds the store's mutex.
func (r *record) resource() Call {
	base := "/2010-04-01/Accounts/" + r.account + "/Calls/" + r.sid
	c := Call{
		Sid:             r.sid,
		DateCreated:     FormatTime(r.created),
		DateUpdated:     FormatTime(r.updated),
		AccountSid:      r.account,
		To:              r.to,
		ToFormatted:     r.toFmt,
		From:            r.from,
		FromFormatted:   r.fromFmt,
		Status:          r.publicStatus(),
		StartTime:       timep(r.start),
		PriceUnit:       "USD",
		Direction:       "outbound-api",
		APIVersion:      "2010-04-01",
		QueueTime:       "0",
		URI:             base + ".json",
		SubresourceURIs: make(map[string]string, len(subresources)),
	}
	if r.numberSid != "" {
		c.PhoneNumberSid = strp(r.numberSid)
	}
	if !r.start.IsZero() {
		c.QueueTime = strconv.FormatInt(max(0, r.start.Sub(r.created).Milliseconds()), 10)
	}
	if r.status == StatusCompleted {
		c.EndTime = timep(r.end)
		c.Duration = strp(strconv.Itoa(CallDuration(r.answered, r.end)))
	}
	if r.answeredBy != "" {
		c.AnsweredBy = strp(r.answeredBy)
	}
	for _, s := range subresources {
		c.SubresourceURIs[s[0]] = base + "/" + s[1] + ".json"
	}
	return c
}
