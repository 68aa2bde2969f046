package diff

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/watch287g/watch287g/internal/corpustest"
	"github.com/watch287g/watch287g/sheet"
)

type corpusFile struct {
	name string
	list sheet.List
	rows int
}

// corpusChains returns the manifest's files per list, in manifest order,
// using the manifest's kind (decided by columns), never the file name.
func corpusChains(t *testing.T, dir string) map[sheet.List][]corpusFile {
	t.Helper()
	out := map[sheet.List][]corpusFile{}
	for _, f := range corpustest.Manifest(t, dir) {
		l := sheet.List(f.Kind)
		out[l] = append(out[l], corpusFile{f.Name, l, f.Rows})
	}
	return out
}

var corpusCache sync.Map // file name → *sheet.File

func parseCorpus(t *testing.T, dir, name string) *sheet.File {
	t.Helper()
	if v, ok := corpusCache.Load(name); ok {
		return v.(*sheet.File)
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	f, err := sheet.Parse(b)
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	corpusCache.Store(name, f)
	return f
}

// chainRun holds the diff of every file of a list against the file
// before it, ids carried through the whole chain.
type chainRun struct {
	results map[string]*Result // by new file name
	prev    map[string]string
}

var chainOnce sync.Map // sheet.List → *chainRun

func runChain(t *testing.T, dir string, list sheet.List, files []corpusFile) *chainRun {
	t.Helper()
	if v, ok := chainOnce.Load(list); ok {
		return v.(*chainRun)
	}
	cr := &chainRun{results: map[string]*Result{}, prev: map[string]string{}}
	var old []Agreement
	n := 0
	for i, cf := range files {
		f := parseCorpus(t, dir, cf.name)
		if f.List != list {
			t.Fatalf("%s: parsed as %s, want %s (the manifest's kind)", cf.name, f.List, list)
		}
		res := Compare(list, old, f.Records, Options{NewID: func(sheet.Record) string {
			n++
			return string(list) + "-" + strconv.Itoa(n)
		}})
		if i > 0 {
			cr.results[cf.name] = res
			cr.prev[cf.name] = files[i-1].name
		}
		old = res.Agreements
	}
	chainOnce.Store(list, cr)
	return cr
}

// TestCorpusChains diffs consecutive files of each list and checks the
// invariant, and that no step is an absurd wave.
func TestCorpusChains(t *testing.T) {
	dir := corpustest.Dir(t)
	chains := corpusChains(t, dir)
	// The largest waves seen, explained:
	//   participating 2025-11-07pm → 2026-03-02am: +372/−26, a four-month
	//     gap (the corpus skips to the one later file kept for its Sheet2);
	//     the removals include Virginia's state agencies (executive order
	//     of 2026-02-04).
	//   pending: removals of up to 59 in one step (2025-08-29pm, 2025-10-17mid,
	//     2025-11-04pm: 39 of 54) are promotions — those agencies signed and
	//     moved to the participating list the same day.
	maxRemoved := map[sheet.List]int{sheet.Participating: 30, sheet.Pending: 60}
	for list, files := range chains {
		cr := runChain(t, dir, list, files)
		bigAdd, bigRem := "", ""
		var na, nr int
		for _, cf := range files[1:] {
			res := cr.results[cf.name]
			if len(res.Added) > na {
				na, bigAdd = len(res.Added), cf.name
			}
			if len(res.Removed) > nr {
				nr, bigRem = len(res.Removed), cf.name
			}
			if len(res.Removed) > maxRemoved[list] {
				t.Errorf("%s %s: got %d removed, want at most %d (an absurd wave)", list, cf.name, len(res.Removed), maxRemoved[list])
			}
		}
		t.Logf("%s: largest added %d (%s), largest removed %d (%s)", list, na, bigAdd, nr, bigRem)
	}
}

// TestCorpusInvariant checks len(new) == len(old) + added − removed on
// every step, against an independent count of the previous step.
func TestCorpusInvariant(t *testing.T) {
	dir := corpustest.Dir(t)
	for list, files := range corpusChains(t, dir) {
		var old []Agreement
		for _, cf := range files {
			f := parseCorpus(t, dir, cf.name)
			if len(f.Records) != cf.rows {
				t.Errorf("%s: got %d records, want %d (manifest rows)", cf.name, len(f.Records), cf.rows)
			}
			res := Compare(list, old, f.Records, Options{})
			if got, want := len(res.Agreements), len(old)+len(res.Added)-len(res.Removed); got != want {
				t.Errorf("%s: got %d agreements, want %d", cf.name, got, want)
			}
			if got, want := len(res.Agreements), cf.rows-len(res.Warnings); got != want {
				t.Errorf("%s: got %d agreements, want %d rows minus %d folded", cf.name, got, want, len(res.Warnings))
			}
			old = res.Agreements
		}
	}
}

// TestCorpusSwappedFiles: on 2025-09-22 the "participating" link served
// the pending list. Parsed by columns, the participating chain runs past
// that day without a wave of terminations.
func TestCorpusSwappedFiles(t *testing.T) {
	dir := corpustest.Dir(t)
	f := parseCorpus(t, dir, "2025-09-22pm_participatingAgencies09222025pm.xlsx")
	if f.List != sheet.Pending {
		t.Fatalf("2025-09-22pm participating file: got list %s, want pending", f.List)
	}
	chains := corpusChains(t, dir)
	cr := runChain(t, dir, sheet.Participating, chains[sheet.Participating])
	for name, res := range cr.results {
		if name >= "2025-09-18" && name <= "2025-09-25" && len(res.Removed) > 5 {
			t.Errorf("%s: got %d removed around the swapped files, want at most 5", name, len(res.Removed))
		}
	}
	pcr := runChain(t, dir, sheet.Pending, chains[sheet.Pending])
	if _, ok := pcr.results["2025-09-22pm_participatingAgencies09222025pm.xlsx"]; !ok {
		t.Errorf("the swapped file is not in the pending chain")
	}
}

// knownChanges were checked by hand in the corpus: the file (diffed against
// the one before it in its list), the expected kind, the agency after
// (before for removed), the agency before, and a field that must be among
// Fields for a changed agreement.
var knownChanges = []struct {
	file, kind, agency, before, field string
}{
	// Renames and typo fixes (agency).
	{"2025-03-17_participatingAgencies-20250317231040.xlsx", "changed", "Alaska Department of Corrections", "Department of Corrections", "agency"},
	{"2025-03-17_participatingAgencies-20250317231040.xlsx", "changed", "Indian River Shores Department of Public Safety", "Indian River Shores DPS", "agency"},
	{"2025-03-17_participatingAgencies-20250317231040.xlsx", "changed", "Texas Office of the Attorney General", "Office of the Attorney General", "agency"},
	{"2025-03-17_participatingAgencies-20250317231040.xlsx", "changed", "Virginia Department of State Police", "Department of State Police", "agency"},
	{"2025-03-27_participatingAgencies-20250327140009.xlsx", "changed", "Albemarle District Jail", "Albermarle District Jail", "agency"},
	{"2025-03-31_participatingAgencies-20250331231039.xlsx", "changed", "Freeborn County Sheriff's Office", "Freedom County Sheriff's Office", "agency"},
	{"2025-05-16am_participatingAgencies05162025am.xlsx", "changed", "Marco Island Police Department", "Macro Island Police Department", "agency"},
	{"2025-05-19am_participatingAgencies05192025am.xlsx", "changed", "Indiatlantic Police Department", "Indialantic Police Department", "agency"},
	{"2025-05-20pm_participatingAgencies05202025pm.xlsx", "changed", "Melbourne Police Department", "City of Melbourne Police Department", "agency"},
	{"2025-05-20pm_participatingAgencies05202025pm.xlsx", "changed", "University of West Florida Police Department", "University of West Florida Board of Trustees", "agency"},
	{"2025-05-20pm_participatingAgencies05202025pm.xlsx", "changed", "Berrian County Sheriff's Office", "Berrian County Sheriff's Offic", "agency"},
	{"2025-05-28pm_participatingAgencies05282025pm.xlsx", "changed", "Tennessee Department of Safety and Homeland Security", "Tennessee Department of Safety and Homeland Security / THP", "agency"},
	{"2025-07-03pm_participatingAgencies07032025pm.xlsx", "changed", "Miami Springs Police Department", "City of Miami Springs Police Department", "agency"},
	{"2025-07-03pm_participatingAgencies07032025pm.xlsx", "changed", "Okaloosa County Department of Corrections", "Okaloosa County Sheriff's Office", "agency"},
	{"2025-07-03pm_participatingAgencies07032025pm.xlsx", "changed", "Palm Beach Police Department", "Town of Palm Beach Police Department", "agency"},
	{"2025-07-03pm_participatingAgencies07032025pm.xlsx", "changed", "St. Cloud Police Department", "City of St. Cloud Police Department", "agency"},
	{"2025-07-09pm_participatingAgencies07092025pm.xlsx", "changed", "Lake Clarke Shores Police Department", "Lake Clark Shores Police Department", "agency"},
	{"2025-07-09pm_participatingAgencies07092025pm.xlsx", "changed", "Greens Forks Police Department", "Green Forks Police Department", "agency"},
	{"2025-07-15am_participatingAgencies07152025am.xlsx", "changed", "Boca Raton Police Services Department", "Boca Raton Police Department", "agency"},
	{"2025-07-15am_participatingAgencies07152025am.xlsx", "changed", "Indialantic Police Department", "Indiatlantic Police Department", "agency"},
	{"2025-07-15am_participatingAgencies07152025am.xlsx", "changed", "Okaloosa County Corrections", "Okaloosa County Department of Corrections", "agency"},
	{"2025-07-15am_participatingAgencies07152025am.xlsx", "changed", "Idaho State Police Department", "Idaho State Police", "agency"},
	{"2025-07-15am_participatingAgencies07152025am.xlsx", "changed", "Louisiana State Police Department", "Louisiana State Patrol", "agency"},
	{"2025-07-15am_participatingAgencies07152025am.xlsx", "changed", "New Hampshire State Police Department", "New Hampshire State Police", "agency"},
	{"2025-07-15am_participatingAgencies07152025am.xlsx", "changed", "Quarryville Borough Police Department", "Quarryville Police Department", "agency"},
	{"2025-07-16am_participatingAgencies07162025am.xlsx", "changed", "Escambia County Board of County Commissioners", "Escambia County Sheriff's Office", "agency"},
	{"2025-07-16am_participatingAgencies07162025am.xlsx", "changed", "Okaloosa County Board of County Commissioners", "Okaloosa County Corrections", "agency"},
	{"2025-07-23pm_participatingAgencies07232025pm.xlsx", "changed", "Alachua Police Department", "Alachua Police Departent", "agency"},
	{"2025-07-23pm_participatingAgencies07232025pm.xlsx", "changed", "Coolspring Township Constable's Office", "Coolspring Township Constbales Office", "agency"},
	{"2025-07-23pm_participatingAgencies07232025pm.xlsx", "changed", "South Pymatuning TWP State Constable", "South Pymathuning TWP State Constable", "agency"},
	{"2025-07-29pm_participatingAgencies07292025pm.xlsx", "changed", "Florida Department of Financial Services , Criminal Investigation Division,", "Criminal Investigation Division, Department of Financial Services", "agency"},
	{"2025-08-08pm_participatingAgencies08082025pm.xlsx", "changed", "Arkansas State Police", "Arkansas State Police Department", "agency"},
	{"2025-08-08pm_participatingAgencies08082025pm.xlsx", "changed", "Office of Aggricultural Law Enforcement", "Florida Department of Agriculture", "agency"},
	{"2025-08-11am_participatingAgencies08112025am.xlsx", "changed", "Arkansas State Police Department", "Arkansas State Police", "agency"},
	{"2025-08-11pm_participatingAgencies08112025pm.xlsx", "changed", "Escambia County Board of County Commissioners/ Department of Corrections", "Escambia County Board of County Commissioners", "agency"},
	{"2025-08-11pm_participatingAgencies08112025pm.xlsx", "changed", "Gulf County Board of County Commissioners /Detention Facility", "Gulf County Board of County Commissioners", "agency"},
	{"2025-08-11pm_participatingAgencies08112025pm.xlsx", "changed", "Okaloosa County Board of County Commissioners/ Department of Corrections", "Okaloosa County Board of County Commissioners", "agency"},
	{"2025-08-11pm_participatingAgencies08112025pm.xlsx", "changed", "Pasco County Board of County Commissioners/ Pasco County Corrections", "Pasco County Board of County Commissioners", "agency"},
	{"2025-08-11pm_participatingAgencies08112025pm.xlsx", "changed", "Flathead County Sheriff's Office", "Flathead County Sheriff's Department", "agency"},
	{"2025-08-11pm_participatingAgencies08112025pm.xlsx", "changed", "County of Franklin / Franklin County Jail", "Franklin County Sheriffs Office", "agency"},
	{"2025-08-11pm_participatingAgencies08112025pm.xlsx", "changed", "Lexington County Sheriff's Department", "Lexington County Sheriff's Office", "agency"},
	{"2025-08-11pm_participatingAgencies08112025pm.xlsx", "changed", "Waukesha County Sheriff's Department", "Waukesha County Sheriff's Office", "agency"},
	{"2025-09-02pm_participatingAgencies08022025pm.xlsx", "changed", "Pettis County Sheriff's Office", "Pettis County Sheriff's Department", "agency"},
	{"2025-09-02pm_participatingAgencies08022025pm.xlsx", "changed", "Hopewell Sheriff's Office", "Hopewell County Sheriff's Office", "agency"},
	{"2025-09-04pm_participatingAgencies09042025pm.xlsx", "changed", "Lampasas County Sheriff's Office", "Lampass County Sheriff's Office", "agency"},
	{"2025-09-04pm_participatingAgencies09042025pm.xlsx", "changed", "Hopewell County Sheriff's Office", "Hopewell Sheriff's Office", "agency"},
	{"2025-09-08pm_participatingAgencies09082025pm.xlsx", "changed", "Rappahannock, Shenandoah, Warren Regional Jail Authority", "Rappahannok,Shenandoah, Warren Regional Jail Authority", "agency"},
	{"2025-09-08pm_participatingAgencies09082025pm.xlsx", "changed", "Wyoming State Highway Patrol", "Wyoming Highway State Patrol", "agency"},
	{"2025-09-09pm_participatingAgencies09092025pm.xlsx", "changed", "Pinal County Attorney's Office", "Pinal County Sheriff's Office", "agency"},
	{"2025-09-15pm_participatingAgencies09152025pm.xlsx", "changed", "Brookford Police Department", "Brookfield Police Department", "agency"},
	{"2025-09-16pm_participatingAgencies09162025pm.xlsx", "changed", "Southampton Twp. Cumberland City, Constables Office", "Southhampton Twp. Cumberland City, Constables Office", "agency"},
	{"2025-09-30pm_participatingAgencies09302025pm.xlsx", "changed", "Cambria County Prison", "Cambria County Sheriff's Office", "agency"},
	{"2025-10-08am_participatingAgencies10082025am.xlsx", "changed", "Somerville County Sheriff's Office", "Somervill County Sheriff's Office", "agency"},
	{"2026-03-02am_participatingAgencies03022026am.xlsx", "changed", "Somervell County Sheriff's Office", "Somerville County Sheriff's Office", "agency"},
	{"2026-03-02am_participatingAgencies03022026am.xlsx", "changed", "Texas Department of Public Safety - Texas Highway Patrol", "Department of Public Safety - Texas Highway Patrol", "agency"},
	{"2026-03-02am_participatingAgencies03022026am.xlsx", "changed", "Texas Department of Public Safety- Criminal Investigations Division", "Department of Public Safety- Criminal Investigations Division", "agency"},
	// State typo fixes: the agency moved between states or the state name was fixed.
	{"2025-03-08_participatingAgencies-20250308103021.xlsx", "changed", "Lake Placid Police Department", "Lake Placid Police Department", "state_name"},
	{"2025-03-17_participatingAgencies-20250317231040.xlsx", "changed", "Cass County Sheriff's Office", "Cass County Sheriff's Office", "state_name"},
	{"2025-04-28am_participatingAgencies04282025am.xlsx", "changed", "Crow Wing County Sheriff's Office", "Crow Wing County Sheriff's Office", "state_name"},
	{"2025-05-16am_participatingAgencies05162025am.xlsx", "changed", "Wichita County Sheriff's Office", "Wichita County Sheriff's Office", "state_name"},
	{"2025-07-08pm_participatingAgencies07082025pm.xlsx", "changed", "Weber County Sheriff's Office", "Weber County Sheriff's Office", "state_name"},
	{"2025-07-14am_participatingAgencies07142025am.xlsx", "changed", "Ellis County Sheriff's Office", "Ellis County Sheriff's Office", "state_name"},
	{"2025-09-02am_participatingAgencies090022025am.xlsx", "changed", "Berkeley County Sheriff's Office", "Berkeley County Sheriff's Office", "state_name"},
	{"2025-09-02am_participatingAgencies090022025am.xlsx", "changed", "Harrison County Sheriff's Office", "Harrison County Sheriff's Office", "state_name"},
	{"2025-09-02am_participatingAgencies090022025am.xlsx", "changed", "Morgan County Sheriff's Office", "Morgan County Sheriff's Office", "state_name"},
	// Signed-date corrections.
	{"2025-02-26_participatingAgencies-20250226183301.xlsx", "changed", "St. Lucie County Sheriff's Office", "St. Lucie County Sheriff's Office", "signed"},                                                                                                     // 2025-02-19 → 2025-02-26
	{"2025-03-06_participatingAgencies-20250306174937.xlsx", "changed", "Florida Department of Highway Safety and Motor Vehicles, Division of Highway Patrol", "Florida Department of Highway Safety and Motor Vehicles, Division of Highway Patrol", "signed"}, // 2025-02-17 → 2025-02-07
	{"2025-04-29pm_participatingAgencies04292025pm.xlsx", "changed", "Texas National Guard", "Texas National Guard", "signed"},                                                                                                                                  // 2025-04-11 → 2025-04-10
	{"2025-05-12am_participatingAgencies05122025amB.xlsx", "changed", "Hardee County Sheriff's Office", "Hardee County Sheriff's Office", "signed"},                                                                                                             // 2025-02-26 → 2025-05-08
	{"2025-05-22pm_participatingAgencies05222025pm.xlsx", "changed", "Hillsborough County Sheriff's Office", "Hillsborough County Sheriff's Office", "signed"},                                                                                                  // 2025-05-16 → 2025-05-22
	{"2025-06-27am_participatingAgencies06272025am.xlsx", "changed", "Limestone County Sheriff's Office", "Limestone County Sheriff's Office", "signed"},                                                                                                        // 2025-06-12 → 2025-06-11
	{"2025-06-27am_participatingAgencies06272025am.xlsx", "changed", "Fellsmere Police Department", "Fellsmere Police Department", "signed"},                                                                                                                    // 2025-04-24 → 2025-04-23
	{"2025-06-27am_participatingAgencies06272025am.xlsx", "changed", "Melbourne Beach Police Department", "Melbourne Beach Police Department", "signed"},                                                                                                        // 2025-05-13 → 2025-04-14
	{"2025-06-27am_participatingAgencies06272025am.xlsx", "changed", "Northwest Florida State College Police Department", "Northwest Florida State College Police Department", "signed"},                                                                        // 2025-04-15 → 2025-05-08
	{"2025-06-27am_participatingAgencies06272025am.xlsx", "changed", "Panama City Beach Police Department", "Panama City Beach Police Department", "signed"},                                                                                                    // 2025-02-26 → 2025-02-25
	{"2025-06-27am_participatingAgencies06272025am.xlsx", "changed", "Kenton County Sheriff's Office", "Kenton County Sheriff's Office", "signed"},                                                                                                              // 2025-05-06 → 2025-05-02
	{"2025-06-27am_participatingAgencies06272025am.xlsx", "changed", "Jim Wells County Sheriff's Office", "Jim Wells County Sheriff's Office", "signed"},                                                                                                        // 2025-02-27 → 2025-02-28
	// True terminations: gone from the list, no rename explains them.
	{"2025-03-08_participatingAgencies-20250308103021.xlsx", "removed", "Douglas County Sheriff's Office", "", ""},
	{"2025-03-27_participatingAgencies-20250327140009.xlsx", "removed", "Mineral County Sheriff's Office", "", ""},
	{"2025-04-28am_participatingAgencies04282025am.xlsx", "removed", "Kansas Bureau of Investigation", "", ""},
	{"2025-05-12am_participatingAgencies05122025amB.xlsx", "removed", "Camden Police Department", "", ""},
	{"2025-06-05pm_participatingAgencies06052025pm.xlsx", "removed", "Butler County Sheriff's Office", "", ""},
	{"2025-07-07pm_participatingAgencies07072025pm.xlsx", "removed", "Walworth County Sheriff's Office", "", ""},
	{"2025-07-18am_participatingAgencies07182025am.xlsx", "removed", "Southside Place Police Department", "", ""},
	{"2025-08-12pm_participatingAgencies08122025pm.xlsx", "removed", "Okmulgee County Criminal Justice Authority", "", ""},
	{"2025-08-12pm_participatingAgencies08122025pm.xlsx", "removed", "Nixon Police Department", "", ""},
	{"2025-08-12pm_participatingAgencies08122025pm.xlsx", "removed", "Waupaca County Sheriff's Office", "", ""},
	{"2025-10-23mid_participatingAgencies10232025mid.xlsx", "removed", "Wells Police Department", "", ""},
	{"2025-11-04am_participatingAgencies11042025am.xlsx", "removed", "Spencer Police Department", "", ""},
	// Different agencies with similar names stay apart.
	{"2025-09-24am_participatingAgencies09242025am.xlsx", "added", "Barnsdall Police Department", "", ""},
	{"2025-09-24am_participatingAgencies09242025am.xlsx", "removed", "Fletcher Police Department", "", ""},
}

func TestCorpusKnownChanges(t *testing.T) {
	dir := corpustest.Dir(t)
	chains := corpusChains(t, dir)
	cr := runChain(t, dir, sheet.Participating, chains[sheet.Participating])
	for _, kc := range knownChanges {
		t.Run(kc.file[:13]+" "+kc.agency, func(t *testing.T) {
			res, ok := cr.results[kc.file]
			if !ok {
				t.Fatalf("%s is not a participating file after the first", kc.file)
			}
			var cs []Change
			switch Kind(kc.kind) {
			case Added:
				cs = res.Added
			case Removed:
				cs = res.Removed
			default:
				cs = res.Changed
			}
			for _, c := range cs {
				if c.Record().Agency != kc.agency {
					continue
				}
				if kc.before != "" && (c.Before == nil || c.Before.Agency != kc.before) {
					continue
				}
				if kc.field != "" && !slices.Contains(c.Fields, kc.field) {
					t.Errorf("fields: got %v, want %s among them", c.Fields, kc.field)
				}
				return
			}
			t.Errorf("%s %q (before %q): not found among %d %s changes of %s vs %s", kc.kind, kc.agency, kc.before, len(cs), kc.kind, cr.prev[kc.file], kc.file)
		})
	}
}
