package sheet

import "testing"

// TestUnwrapOnceFastPath: looking for a wrapper's marks before parsing
// changes nothing: unwrapOnce gives what parsing every link gives, on
// plain links, wrapped ones, and wrappers spelt to hide from the marks
// (upper case, %-escaped hosts, ports, user info).
func TestUnwrapOnceFastPath(t *testing.T) {
	inputs := []string{
		"https://www.ice.gov/doclib/287gMOA/A.pdf",
		"http://www.ice.gov/doclib/287gMOA/H.pdf",
		"www.ice.gov/doclib/287gMOA/D.pdf",
		"link",
		"",
		"https://gcc02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.ice.gov%2FA.pdf&data=05",
		"https://GCC02.SAFELINKS.PROTECTION.OUTLOOK.COM/?url=https://www.ice.gov/A.pdf",
		"https://nam.safelinks.protection.outlook.com:443/?url=https://www.ice.gov/A.pdf",
		"https://user@nam.safelinks.protection.outlook.com/?url=https://www.ice.gov/A.pdf",
		"https://%73afelinks.protection.outlook.com/?url=https://www.ice.gov/A.pdf",
		"https://urldefense.com/v3/__https://www.ice.gov/doclib/E.pdf__;!!abc$",
		"https://URLDEFENSE.COM/v3/__https://www.ice.gov/doclib/E.pdf__;!!abc$",
		"https://urldefense.proofpoint.com/v2/url?u=https-3A__www.ice.gov_doclib_F.pdf&d=x",
		"https://%75rldefense.proofpoint.com/v2/url?u=https-3A__www.ice.gov_doclib_F.pdf&d=x",
		"chrome-extension://efaidnbmnnnibpcajpcglclefindmkaj/https:/www.ice.gov/B.pdf",
		"Chrome-Extension://efaidnbmnnnibpcajpcglclefindmkaj/https:/www.ice.gov/B.pdf",
		"moz-extension://abc/https://www.ice.gov/B.pdf",
		"https://example.com/?url=https://www.ice.gov/A.pdf",
		"https://www.ice.gov/safelinks.protection.outlook.com/x.pdf",
		"https://[::1]:80/?url=x",
		"ht tp://bad url",
		"https://www.ice.gov/doclib/287gMOA/G H.pdf",
		"https://www.ice.gov/doclib/287gMOA/G%20H.pdf",
		"https:?q=//%73afelinks.protection.outlook.com/?url=https://www.ice.gov/A.pdf",
		"//%73afelinks.protection.outlook.com/?url=https://www.ice.gov/A.pdf",
		"https://%73afelinks.protection.outlook.com?url=https://www.ice.gov/A.pdf",
		"https://%73afelinks.protection.outlook.com#x?url=https://www.ice.gov/A.pdf",
		"https://a%40b@%73afelinks.protection.outlook.com/?url=https://www.ice.gov/A.pdf",
		"https://SafeLinks.Protection.Outlook.Com/?url=https://www.ice.gov/A.pdf",
		"https://safelin\u212As.protection.outlook.com/?url=https://www.ice.gov/A.pdf",
		"https://URLDefense.Proofpoint.com/v2/url?u=https-3A__www.ice.gov_doclib_F.pdf&d=x",
		"https://www.ice.gov/doclib/287gMOA/Dépôt.pdf",
	}
	for _, in := range inputs {
		gotS, gotOK := unwrapOnce(in)
		wantS, wantOK := unwrapParsed(in)
		if gotS != wantS || gotOK != wantOK {
			t.Errorf("unwrapOnce(%q): got (%q, %v), want (%q, %v)", in, gotS, gotOK, wantS, wantOK)
		}
	}
	// The marks do skip the parse for a plain link.
	for _, plain := range []string{"https://www.ice.gov/doclib/287gMOA/A.pdf", "https://www.ice.gov/doclib/287gMOA/G%20H.pdf"} {
		if mayBeWrapped(plain) {
			t.Errorf("mayBeWrapped(%q): got true, want false", plain)
		}
	}
}

// FuzzUnwrapOnceFastPath: the marks never skip a link parsing would
// unwrap.
func FuzzUnwrapOnceFastPath(f *testing.F) {
	f.Add("https://gcc02.safelinks.protection.outlook.com/?url=https://www.ice.gov/A.pdf")
	f.Add("https://urldefense.com/v3/__https://www.ice.gov/doclib/E.pdf__;!!abc$")
	f.Add("https://www.ice.gov/doclib/287gMOA/A.pdf")
	f.Add("https://%73afelinks.protection.outlook.com/?url=https://www.ice.gov/A.pdf")
	f.Add("https://urldefense.proofpoint.com/v2/url?u=https-3A__www.ice.gov_doclib_F.pdf&d=x")
	f.Fuzz(func(t *testing.T, in string) {
		gotS, gotOK := unwrapOnce(in)
		wantS, wantOK := unwrapParsed(in)
		if gotS != wantS || gotOK != wantOK {
			t.Errorf("unwrapOnce(%q): got (%q, %v), want (%q, %v)", in, gotS, gotOK, wantS, wantOK)
		}
	})
}
