package phonenumbers

// callsim: not part of upstream. See CALLSIM.md. Run with -race:
// go test -race ./internal/phonenumbers

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"google.golang.org/protobuf/proto"
)

// lazyPatterns are the package-level patterns compiled on first use.
var lazyPatterns = map[string]*lazyRegexp{
	"VALID_PHONE_NUMBER_PATTERN":           VALID_PHONE_NUMBER_PATTERN,
	"EXTN_PATTERN":                         EXTN_PATTERN,
	"UNWANTED_END_CHAR_PATTERN":            UNWANTED_END_CHAR_PATTERN,
	"RFC3966_GLOBAL_NUMBER_DIGITS_PATTERN": RFC3966_GLOBAL_NUMBER_DIGITS_PATTERN,
	"RFC3966_DOMAINNAME_PATTERN":           RFC3966_DOMAINNAME_PATTERN,
}

// TestMain checks, before any test touches the package, that its
// initialization decoded no metadata and compiled none of the lazy patterns:
// that is the point of callsim's patch.
func TestMain(m *testing.M) {
	var eager []string
	if currentMetadata != nil {
		eager = append(eager, "metadata")
	}
	if len(shortNumberRegionToMetadataMap) != 0 {
		eager = append(eager, "short-number metadata")
	}
	for name, re := range lazyPatterns {
		if re.re != nil {
			eager = append(eager, name)
		}
	}
	if len(eager) > 0 {
		fmt.Fprintf(os.Stderr, "loaded by package initialization, want on first use: %v\n", eager)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// TestConcurrentFirstUse makes the first calls into the package from many
// goroutines at once (this file sorts before the other tests, so these are
// the first uses), as callsim does; with -race it proves the lazy loading is
// race-free, and the answers prove the loaded data is complete.
func TestConcurrentFirstUse(t *testing.T) {
	cases := []struct {
		in, region                 string
		e164, nsn, regionCode, ext string
		geo                        string
	}{
		{"(650) 253-0000 ext. 123", "US", "+16502530000", "6502530000", "US", "123", "Mountain View, CA"},
		{"tel:253-0000;phone-context=+1-650", "ZZ", "+16502530000", "6502530000", "US", "", "Mountain View, CA"},
		{"+1 204-555-0100", "US", "+12045550100", "2045550100", "CA", "", "Manitoba"},
		{"+44 20 7031 3000", "ZZ", "+442070313000", "2070313000", "GB", "", "London"},
		{"030 123456", "DE", "+4930123456", "30123456", "DE", "", "Berlin"},
		{"+33 1 42 68 53 00", "US", "+33142685300", "142685300", "FR", "", "France"},
		{"03-3224-5000", "JP", "+81332245000", "332245000", "JP", "", "Tokyo"},
		{"+55 11 2222-3333", "BR", "+551122223333", "1122223333", "BR", "", "São Paulo - SP"},
		{"(02) 9374 4000", "AU", "+61293744000", "293744000", "AU", "", "Australia"},
		{"+52 55 1234 5678", "MX", "+525512345678", "5512345678", "MX", "", "Mexico City, FD"},
	}
	emergency := [][2]string{{"911", "US"}, {"112", "DE"}, {"999", "GB"}, {"15", "FR"}}

	const workers = 32
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if w%4 == 3 {
				e := emergency[w%len(emergency)]
				if !ConnectsToEmergencyNumber(e[0], e[1]) {
					t.Errorf("ConnectsToEmergencyNumber(%q, %q) = false", e[0], e[1])
				}
				return
			}
			c := cases[w%len(cases)]
			num, err := Parse(c.in, c.region)
			if err != nil {
				t.Errorf("Parse(%q, %q): %v", c.in, c.region, err)
				return
			}
			if !IsValidNumber(num) {
				t.Errorf("IsValidNumber(%q) = false", c.in)
			}
			geo, err := GetGeocodingForNumber(num, "en")
			got := [5]string{Format(num, E164), GetNationalSignificantNumber(num), GetRegionCodeForNumber(num), num.GetExtension(), geo}
			want := [5]string{c.e164, c.nsn, c.regionCode, c.ext, c.geo}
			if err != nil || got != want {
				t.Errorf("%q in %s: got %q (err %v), want %q", c.in, c.region, got, err, want)
			}
		}()
	}
	close(start)
	wg.Wait()

	if currentMetadata == nil || len(shortNumberRegionToMetadataMap) == 0 {
		t.Error("metadata not loaded after use")
	}
	if coll, err := MetadataCollection(); err != nil || len(coll.GetMetadata()) == 0 {
		t.Errorf("MetadataCollection() = %d regions, %v", len(coll.GetMetadata()), err)
	}
	if coll, err := ShortNumberMetadataCollection(); err != nil || len(coll.GetMetadata()) == 0 {
		t.Errorf("ShortNumberMetadataCollection() = %d regions, %v", len(coll.GetMetadata()), err)
	}
	// Every lazy pattern compiles (a bad one would only panic on first use).
	for name, re := range lazyPatterns {
		if re.get() == nil || re.get().String() != re.String() {
			t.Errorf("%s did not compile to its source", name)
		}
	}
}

// TestProtoNamesAreCallsims checks that the protobuf descriptors this copy
// registers carry callsim's names (update.sh renames them with protorename):
// with upstream's names, a program linking this copy and upstream panics at
// start-up on the registration conflict.
func TestProtoNamesAreCallsims(t *testing.T) {
	for _, m := range []proto.Message{&NumberFormat{}, &PhoneNumberDesc{}, &PhoneMetadata{}, &PhoneMetadataCollection{}, &PhoneNumber{}} {
		d := m.ProtoReflect().Descriptor()
		if name, path := string(d.FullName()), d.ParentFile().Path(); !strings.HasPrefix(name, "callsim.phonenumbers.") || !strings.HasPrefix(path, "callsim/phonenumbers/") {
			t.Errorf("%T is registered as %s in %s, want callsim.phonenumbers.* in callsim/phonenumbers/*", m, name, path)
		}
	}
	// Fields of message type resolve to the renamed types.
	desc := (&PhoneMetadata{}).ProtoReflect().Descriptor().Fields().ByName("general_desc")
	if got := desc.Message().FullName(); got != "callsim.phonenumbers.PhoneNumberDesc" {
		t.Errorf("PhoneMetadata.general_desc is a %s", got)
	}
}
