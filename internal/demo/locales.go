package demo

// locale is what generated contacts of one country look like.
type locale struct {
	// spellings are the ways merchants type the country into Xero; every
	// one must be a name bridge.CountryCode knows (a test checks).
	spellings []string
	places    []place
	streets   []string
	poBox     string // a format with one %d
	phoneCC   string
	// domestic invoices carry GST; exports are zero-rated.
	domestic bool
	// companies are the suffixes generated company names end with.
	companies []string
	// names, when set, replace the shared name pools (non-Latin scripts).
	adjectives, nouns []string
	// prefix goes before the name instead of a suffix after it (株式会社).
	prefix bool
	// firsts and lasts, when set, replace the shared people pools.
	firsts, lasts []string
	// style is how a street line is written.
	style streetStyle
	// tld ends generated e-mail domains.
	tld string
	// weight is the locale's share of generated contacts.
	weight int
}

// streetStyle is the order of number and street on an address line.
type streetStyle int

const (
	numberFirst streetStyle = iota // 12 Queen Street
	streetFirst                    // Hauptstraße 12
	japanese                       // 神宮前1丁目2番3号
)

// place is a city with its region and a postcode.
type place struct{ city, region, postcode string }

var locales = []locale{
	{ // New Zealand: the merchant's home market.
		spellings: []string{"New Zealand", "NZ", "new zealand", "nz", "N.Z."},
		places: []place{{"Auckland", "Auckland", "1010"}, {"Wellington", "Wellington", "6011"}, {"Christchurch", "Canterbury", "8011"},
			{"Hamilton", "Waikato", "3204"}, {"Tauranga", "Bay of Plenty", "3110"}, {"Dunedin", "Otago", "9016"},
			{"Nelson", "Nelson", "7010"}, {"Napier", "Hawke's Bay", "4110"}, {"Palmerston North", "Manawatū-Whanganui", "4410"}},
		streets:   []string{"Queen Street", "Cuba Street", "Victoria Street", "High Street", "Great North Road", "Tay Street", "Kāpiti Road"},
		poBox:     "PO Box %d",
		phoneCC:   "64",
		tld:       ".co.nz",
		domestic:  true,
		companies: []string{"Ltd", "Limited", "Co", "Store", "Café"},
		weight:    40,
	},
	{
		spellings: []string{"Australia", "AU", "australia"},
		places: []place{{"Sydney", "NSW", "2000"}, {"Melbourne", "VIC", "3000"}, {"Brisbane", "QLD", "4000"},
			{"Perth", "WA", "6000"}, {"Adelaide", "SA", "5000"}, {"Hobart", "TAS", "7000"}},
		streets:   []string{"George Street", "Collins Street", "Queen Street", "Hay Street", "Rundle Mall"},
		poBox:     "PO Box %d",
		phoneCC:   "61",
		tld:       ".com.au",
		companies: []string{"Pty Ltd", "Co", "Trading"},
		weight:    18,
	},
	{
		spellings: []string{"USA", "United States", "US", "U.S.A.", "United States of America"},
		places: []place{{"Portland", "OR", "97204"}, {"Denver", "CO", "80202"}, {"Chicago", "IL", "60601"},
			{"Boston", "MA", "02108"}, {"Austin", "TX", "78701"}, {"San Diego", "CA", "92101"}, {"Honolulu", "HI", "96813"}},
		streets:   []string{"Main Street", "Broadway", "Market Street", "Elm Street", "Pine Street"},
		poBox:     "PO Box %d",
		phoneCC:   "1",
		tld:       ".com",
		companies: []string{"Inc", "LLC", "Co"},
		weight:    18,
	},
	{
		spellings: []string{"United Kingdom", "UK", "Great Britain", "England"},
		places: []place{{"London", "Greater London", "EC1A 1BB"}, {"Manchester", "Greater Manchester", "M1 1AE"},
			{"Bristol", "", "BS1 4DJ"}, {"Edinburgh", "", "EH1 1YZ"}, {"Leeds", "West Yorkshire", "LS1 4AP"}},
		streets:   []string{"High Street", "Station Road", "Church Lane", "Mill Road"},
		poBox:     "PO Box %d",
		phoneCC:   "44",
		tld:       ".co.uk",
		companies: []string{"Ltd", "& Co", "Trading Ltd"},
		weight:    10,
	},
	{
		spellings: []string{"Deutschland", "Germany"},
		places: []place{{"München", "Bayern", "80331"}, {"Hamburg", "", "20095"}, {"Köln", "Nordrhein-Westfalen", "50667"},
			{"Leipzig", "Sachsen", "04109"}},
		streets:   []string{"Hauptstraße", "Bahnhofstraße", "Schillerstraße", "Goethestraße"},
		style:     streetFirst,
		tld:       ".de",
		poBox:     "Postfach %d",
		phoneCC:   "49",
		companies: []string{"GmbH", "KG", "e.K."},
		weight:    5,
	},
	{
		spellings:  []string{"Japan"},
		places:     []place{{"渋谷区", "東京都", "150-0002"}, {"中央区", "大阪府", "541-0041"}, {"中京区", "京都府", "604-8005"}, {"中区", "愛知県", "460-0008"}},
		streets:    []string{"神宮前", "本町", "栄", "河原町"},
		style:      japanese,
		tld:        ".co.jp",
		firsts:     []string{"太郎", "花子", "健", "美咲", "翔", "由美"},
		lasts:      []string{"山田", "佐藤", "鈴木", "高橋", "田中", "渡辺"},
		poBox:      "郵便局私書箱 第%d号",
		phoneCC:    "81",
		companies:  []string{"株式会社"},
		adjectives: []string{"さくら", "みどり", "ひかり", "あおば", "富士", "大和"},
		nouns:      []string{"商事", "珈琲店", "茶舗", "雑貨店", "商店"},
		prefix:     true,
		weight:     4,
	},
	{
		spellings: []string{"Canada", "canada"},
		places:    []place{{"Toronto", "ON", "M5H 2N2"}, {"Vancouver", "BC", "V6B 1A1"}, {"Montréal", "QC", "H2Y 1C6"}, {"Calgary", "AB", "T2P 1J9"}},
		streets:   []string{"King Street", "Granville Street", "Rue Sainte-Catherine", "Stephen Avenue"},
		poBox:     "PO Box %d",
		phoneCC:   "1",
		tld:       ".ca",
		companies: []string{"Inc", "Ltd", "Co"},
		weight:    5,
	},
}

// The shared pools generated Latin-script company names are drawn from.
var (
	adjectives = []string{"Coastal", "Golden", "Urban", "Harbour", "Mountain", "Riverside", "Northern", "Southern",
		"Little", "Old Town", "Evergreen", "Bluebird", "Copper", "Silver Fern", "Red Door", "Saltwater",
		"Wild Thyme", "Corner", "Daily", "Honest"}
	nouns = []string{"Coffee", "Roasters", "Kitchen", "Pantry", "Bakery", "Espresso", "Tea Rooms", "Provisions",
		"Larder", "Homewares", "Brew Bar", "Grocer", "Deli", "Mercantile", "Outfitters", "Supply"}
	firstNames = []string{"Alex", "Ana", "Ben", "Chloe", "Daniel", "Ella", "Finn", "Grace", "Hana", "Isaac", "Jack",
		"Kiri", "Lucy", "Mateo", "Mia", "Noah", "Olivia", "Rangi", "Sofia", "Tom", "Wiremu", "Zoe"}
	lastNames = []string{"Smith", "Williams", "Brown", "Wilson", "Taylor", "Ngata", "Patel", "Chen", "Kim", "Nguyen",
		"Murphy", "Schmidt", "García", "O'Brien", "Walker", "Te Whata", "Anderson", "Fischer"}
)
