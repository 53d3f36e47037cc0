"""The simulated service: pages, how users move between them, and who the users are.

Numbers follow eventsim's shipped configuration (see ../shared/notes/eventsim-model.md) and the
transitions measured on the real Sparkify sample; the word lists are our own.
"""

from dataclasses import dataclass

# Users: initial auth and level, as eventsim's config draws them.
LOGGED_OUT_SESSION_SHARE = 0.09
PAID_USER_SHARE = 0.17
MALE_SHARE = 0.52
# eventsim: ~3 page events a day per user of the population (1M events a day ≈ 330k users).
EVENTS_PER_USER_PER_DAY = 3.0
# Users who register during the generated period, as a share of the population per 30 days.
NEW_USERS_PER_30_DAYS = 0.05

# Session rhythm: fewer sessions at night (trough 03:00 US Central = 09:00 UTC) and at weekends.
DAILY_SWING = 0.6
DAILY_TROUGH_HOUR_UTC = 9.0
WEEKEND_FACTOR = 0.5
# Between sessions of one user: at least this long after the last event.
SESSION_GAP_MS = 30 * 60 * 1000
# Within a session: the next page after Exp(mean) unless a song is playing or a redirect follows.
MEAN_PAGE_GAP_MS = 90_000
REDIRECT_GAP_MS = 1_000
MAX_EVENTS_PER_SESSION = 2_000

# Songs: Zipf-like popularity; durations lognormal with median 223 s (MSD: p5 105 s, p95 421 s).
SONG_POPULARITY_EXPONENT = 0.9
SONG_DURATION_MEDIAN_S = 223.0
SONG_DURATION_SIGMA = 0.386
SONGS_PER_ARTIST = 3.0
UNKNOWN_YEAR_SHARE = 0.6
NO_COORDINATES_SHARE = 0.55
NO_LOCATION_SHARE = 0.4


@dataclass(frozen=True)
class Page:
    name: str
    logged_in: bool
    method: str
    status: int


# The chain's states. A page seen logged in and logged out is two states (they differ in what
# follows and in the user fields the event carries).
PAGES: tuple[Page, ...] = (
    Page("NextSong", True, "PUT", 200),
    Page("Home", True, "GET", 200),
    Page("About", True, "GET", 200),
    Page("Help", True, "GET", 200),
    Page("Settings", True, "GET", 200),
    Page("Save Settings", True, "PUT", 307),
    Page("Upgrade", True, "GET", 200),
    Page("Submit Upgrade", True, "PUT", 307),
    Page("Downgrade", True, "GET", 200),
    Page("Submit Downgrade", True, "PUT", 307),
    Page("Thumbs Up", True, "PUT", 307),
    Page("Thumbs Down", True, "PUT", 307),
    Page("Add to Playlist", True, "PUT", 200),
    Page("Add Friend", True, "PUT", 307),
    Page("Roll Advert", True, "GET", 200),
    Page("Logout", True, "PUT", 307),
    Page("Cancel", True, "PUT", 307),
    Page("Cancellation Confirmation", True, "GET", 200),
    Page("Error", True, "GET", 404),
    Page("Home", False, "GET", 200),
    Page("About", False, "GET", 200),
    Page("Help", False, "GET", 200),
    Page("Login", False, "PUT", 307),
    Page("Error", False, "GET", 404),
)


def state(name: str, logged_in: bool = True) -> int:
    """Index of a page in PAGES."""
    for i, page in enumerate(PAGES):
        if page.name == name and page.logged_in == logged_in:
            return i
    raise KeyError((name, logged_in))


# Shared by both levels: pages where the user is signed out, and the forced steps.
_COMMON: dict[tuple[str, bool], dict[tuple[str, bool], float]] = {
    ("Logout", True): {("Home", False): 0.9},
    ("Home", False): {
        ("Login", False): 0.65,
        ("Home", False): 0.05,
        ("About", False): 0.05,
        ("Help", False): 0.05,
        ("Error", False): 0.005,
    },
    ("About", False): {("Home", False): 0.5, ("Login", False): 0.3},
    ("Help", False): {("Home", False): 0.5, ("Login", False): 0.3},
    ("Error", False): {("Home", False): 0.6},
    ("Login", False): {("Home", True): 1.0},
    ("Cancel", True): {("Cancellation Confirmation", True): 1.0},
    ("Cancellation Confirmation", True): {},
}

# Level-specific pages. Free listeners hear adverts and are offered upgrades; paid ones listen
# longer (NextSong → NextSong 0.5 free, 0.925 paid; Home → NextSong 0.6 / 0.85).
_FREE: dict[tuple[str, bool], dict[tuple[str, bool], float]] = {
    ("NextSong", True): {
        ("NextSong", True): 0.50,
        ("Roll Advert", True): 0.06,
        ("Home", True): 0.05,
        ("Thumbs Up", True): 0.03,
        ("Thumbs Down", True): 0.015,
        ("Add to Playlist", True): 0.015,
        ("Add Friend", True): 0.008,
        ("Upgrade", True): 0.012,
        ("Logout", True): 0.02,
        ("Settings", True): 0.004,
        ("Help", True): 0.003,
        ("About", True): 0.002,
        ("Error", True): 0.001,
    },
    ("Home", True): {
        ("NextSong", True): 0.60,
        ("Home", True): 0.03,
        ("Upgrade", True): 0.02,
        ("Settings", True): 0.02,
        ("Help", True): 0.01,
        ("About", True): 0.01,
        ("Logout", True): 0.02,
        ("Roll Advert", True): 0.02,
        ("Error", True): 0.002,
    },
    ("Roll Advert", True): {
        ("NextSong", True): 0.55,
        ("Home", True): 0.12,
        ("Upgrade", True): 0.04,
        ("Logout", True): 0.02,
    },
    ("Upgrade", True): {
        ("Submit Upgrade", True): 0.2,
        ("Home", True): 0.25,
        ("NextSong", True): 0.15,
    },
    ("Submit Upgrade", True): {("Home", True): 0.7, ("NextSong", True): 0.3},
    ("Settings", True): {
        ("Save Settings", True): 0.3,
        ("Home", True): 0.2,
        ("NextSong", True): 0.4,
        ("Cancel", True): 0.005,
    },
}
_PAID: dict[tuple[str, bool], dict[tuple[str, bool], float]] = {
    ("NextSong", True): {
        ("NextSong", True): 0.925,
        ("Home", True): 0.02,
        ("Thumbs Up", True): 0.01,
        ("Thumbs Down", True): 0.002,
        ("Add to Playlist", True): 0.004,
        ("Add Friend", True): 0.002,
        ("Logout", True): 0.006,
        ("Downgrade", True): 0.004,
        ("Settings", True): 0.002,
        ("Help", True): 0.002,
        ("About", True): 0.001,
        ("Error", True): 0.0005,
    },
    ("Home", True): {
        ("NextSong", True): 0.85,
        ("Home", True): 0.02,
        ("Settings", True): 0.02,
        ("Help", True): 0.01,
        ("About", True): 0.01,
        ("Logout", True): 0.015,
        ("Downgrade", True): 0.01,
        ("Error", True): 0.001,
    },
    ("Downgrade", True): {
        ("Submit Downgrade", True): 0.35,
        ("Home", True): 0.15,
        ("NextSong", True): 0.4,
        ("Cancel", True): 0.02,
    },
    ("Submit Downgrade", True): {("Home", True): 0.7, ("NextSong", True): 0.3},
    ("Settings", True): {
        ("Save Settings", True): 0.2,
        ("Home", True): 0.1,
        ("NextSong", True): 0.6,
        ("Cancel", True): 0.01,
    },
}
# Pages that return to the music, the same for both levels but more so when paid.
_RETURNS = {
    "free": {("NextSong", True): 0.75, ("Home", True): 0.08},
    "paid": {("NextSong", True): 0.85, ("Home", True): 0.05},
}
for _page in (
    "Thumbs Up",
    "Thumbs Down",
    "Add to Playlist",
    "Add Friend",
    "Save Settings",
    "About",
    "Help",
    "Error",
):
    _FREE.setdefault((_page, True), dict(_RETURNS["free"]))
    _PAID.setdefault((_page, True), dict(_RETURNS["paid"]))
# A paid user never sees adverts or the upgrade offer; a free one has nothing to downgrade.
_PAID[("Roll Advert", True)] = dict(_RETURNS["paid"])
_PAID[("Upgrade", True)] = dict(_RETURNS["paid"])
_PAID[("Submit Upgrade", True)] = dict(_RETURNS["paid"])
_FREE[("Downgrade", True)] = dict(_RETURNS["free"])
_FREE[("Submit Downgrade", True)] = dict(_RETURNS["free"])

# Where sessions begin, given whether the user starts signed in.
FIRST_PAGE_LOGGED_IN = {("Home", True): 0.6, ("NextSong", True): 0.4}
FIRST_PAGE_LOGGED_OUT = {("Home", False): 0.8, ("Login", False): 0.15, ("About", False): 0.05}


def transitions(level: str) -> dict[tuple[str, bool], dict[tuple[str, bool], float]]:
    """Next-page probabilities for a level; what a row leaves to 1 ends the session."""
    table = {**_COMMON, **(_FREE if level == "free" else _PAID)}
    missing = {(p.name, p.logged_in) for p in PAGES} - table.keys()
    if missing:
        raise ValueError(f"pages without transitions for {level}: {sorted(missing)}")
    return table


# Where users live: US metro areas as the logs write them, weighted by population (millions).
LOCATIONS: tuple[tuple[str, float], ...] = (
    ("New York-Newark-Jersey City, NY-NJ-PA", 20.1),
    ("Los Angeles-Long Beach-Anaheim, CA", 13.2),
    ("Chicago-Naperville-Elgin, IL-IN-WI", 9.5),
    ("Dallas-Fort Worth-Arlington, TX", 7.6),
    ("Houston-The Woodlands-Sugar Land, TX", 7.1),
    ("Washington-Arlington-Alexandria, DC-VA-MD-WV", 6.3),
    ("Philadelphia-Camden-Wilmington, PA-NJ-DE-MD", 6.2),
    ("Miami-Fort Lauderdale-West Palm Beach, FL", 6.1),
    ("Atlanta-Sandy Springs-Roswell, GA", 6.0),
    ("Boston-Cambridge-Newton, MA-NH", 4.9),
    ("Phoenix-Mesa-Scottsdale, AZ", 4.9),
    ("San Francisco-Oakland-Hayward, CA", 4.7),
    ("Riverside-San Bernardino-Ontario, CA", 4.6),
    ("Detroit-Warren-Dearborn, MI", 4.3),
    ("Seattle-Tacoma-Bellevue, WA", 4.0),
    ("Minneapolis-St. Paul-Bloomington, MN-WI", 3.6),
    ("San Diego-Carlsbad, CA", 3.3),
    ("Tampa-St. Petersburg-Clearwater, FL", 3.2),
    ("Denver-Aurora-Lakewood, CO", 2.9),
    ("St. Louis, MO-IL", 2.8),
    ("Baltimore-Columbia-Towson, MD", 2.8),
    ("Charlotte-Concord-Gastonia, NC-SC", 2.6),
    ("Orlando-Kissimmee-Sanford, FL", 2.6),
    ("San Antonio-New Braunfels, TX", 2.5),
    ("Portland-Vancouver-Hillsboro, OR-WA", 2.5),
    ("Sacramento--Roseville--Arden-Arcade, CA", 2.3),
    ("Pittsburgh, PA", 2.3),
    ("Las Vegas-Henderson-Paradise, NV", 2.2),
    ("Austin-Round Rock, TX", 2.2),
    ("Cincinnati, OH-KY-IN", 2.2),
    ("Kansas City, MO-KS", 2.1),
    ("Columbus, OH", 2.1),
    ("Indianapolis-Carmel-Anderson, IN", 2.0),
    ("Cleveland-Elyria, OH", 2.0),
    ("San Jose-Sunnyvale-Santa Clara, CA", 2.0),
    ("Nashville-Davidson--Murfreesboro--Franklin, TN", 1.9),
    ("Virginia Beach-Norfolk-Newport News, VA-NC", 1.7),
    ("Providence-Warwick, RI-MA", 1.6),
    ("Milwaukee-Waukesha-West Allis, WI", 1.6),
    ("Jacksonville, FL", 1.5),
    ("Raleigh, NC", 1.3),
    ("Salt Lake City, UT", 1.2),
    ("Birmingham-Hoover, AL", 1.1),
    ("Tucson, AZ", 1.0),
    ("Albany-Schenectady-Troy, NY", 0.9),
    ("Fresno, CA", 1.0),
    ("Omaha-Council Bluffs, NE-IA", 0.9),
    ("Albuquerque, NM", 0.9),
    ("Boise City, ID", 0.7),
    ("Anchorage, AK", 0.4),
    ("Santa Maria-Santa Barbara, CA", 0.4),
    ("Lansing-East Lansing, MI", 0.5),
)

# Where each location is, for Streamify's messages (which carry zip, lat, lon): the principal
# city's centre and one of its zip codes, approximately.
LOCATION_COORDINATES: dict[str, tuple[str, float, float]] = {
    "New York-Newark-Jersey City, NY-NJ-PA": ("10001", 40.7128, -74.0060),
    "Los Angeles-Long Beach-Anaheim, CA": ("90012", 34.0522, -118.2437),
    "Chicago-Naperville-Elgin, IL-IN-WI": ("60601", 41.8781, -87.6298),
    "Dallas-Fort Worth-Arlington, TX": ("75201", 32.7767, -96.7970),
    "Houston-The Woodlands-Sugar Land, TX": ("77002", 29.7604, -95.3698),
    "Washington-Arlington-Alexandria, DC-VA-MD-WV": ("20001", 38.9072, -77.0369),
    "Philadelphia-Camden-Wilmington, PA-NJ-DE-MD": ("19107", 39.9526, -75.1652),
    "Miami-Fort Lauderdale-West Palm Beach, FL": ("33130", 25.7617, -80.1918),
    "Atlanta-Sandy Springs-Roswell, GA": ("30303", 33.7490, -84.3880),
    "Boston-Cambridge-Newton, MA-NH": ("02108", 42.3601, -71.0589),
    "Phoenix-Mesa-Scottsdale, AZ": ("85004", 33.4484, -112.0740),
    "San Francisco-Oakland-Hayward, CA": ("94102", 37.7749, -122.4194),
    "Riverside-San Bernardino-Ontario, CA": ("92501", 33.9806, -117.3755),
    "Detroit-Warren-Dearborn, MI": ("48226", 42.3314, -83.0458),
    "Seattle-Tacoma-Bellevue, WA": ("98101", 47.6062, -122.3321),
    "Minneapolis-St. Paul-Bloomington, MN-WI": ("55401", 44.9778, -93.2650),
    "San Diego-Carlsbad, CA": ("92101", 32.7157, -117.1611),
    "Tampa-St. Petersburg-Clearwater, FL": ("33602", 27.9506, -82.4572),
    "Denver-Aurora-Lakewood, CO": ("80202", 39.7392, -104.9903),
    "St. Louis, MO-IL": ("63101", 38.6270, -90.1994),
    "Baltimore-Columbia-Towson, MD": ("21201", 39.2904, -76.6122),
    "Charlotte-Concord-Gastonia, NC-SC": ("28202", 35.2271, -80.8431),
    "Orlando-Kissimmee-Sanford, FL": ("32801", 28.5383, -81.3792),
    "San Antonio-New Braunfels, TX": ("78205", 29.4241, -98.4936),
    "Portland-Vancouver-Hillsboro, OR-WA": ("97204", 45.5152, -122.6784),
    "Sacramento--Roseville--Arden-Arcade, CA": ("95814", 38.5816, -121.4944),
    "Pittsburgh, PA": ("15222", 40.4406, -79.9959),
    "Las Vegas-Henderson-Paradise, NV": ("89101", 36.1699, -115.1398),
    "Austin-Round Rock, TX": ("78701", 30.2672, -97.7431),
    "Cincinnati, OH-KY-IN": ("45202", 39.1031, -84.5120),
    "Kansas City, MO-KS": ("64106", 39.0997, -94.5786),
    "Columbus, OH": ("43215", 39.9612, -82.9988),
    "Indianapolis-Carmel-Anderson, IN": ("46204", 39.7684, -86.1581),
    "Cleveland-Elyria, OH": ("44113", 41.4993, -81.6944),
    "San Jose-Sunnyvale-Santa Clara, CA": ("95113", 37.3382, -121.8863),
    "Nashville-Davidson--Murfreesboro--Franklin, TN": ("37219", 36.1627, -86.7816),
    "Virginia Beach-Norfolk-Newport News, VA-NC": ("23451", 36.8529, -75.9780),
    "Providence-Warwick, RI-MA": ("02903", 41.8240, -71.4128),
    "Milwaukee-Waukesha-West Allis, WI": ("53202", 43.0389, -87.9065),
    "Jacksonville, FL": ("32202", 30.3322, -81.6557),
    "Raleigh, NC": ("27601", 35.7796, -78.6382),
    "Salt Lake City, UT": ("84111", 40.7608, -111.8910),
    "Birmingham-Hoover, AL": ("35203", 33.5186, -86.8104),
    "Tucson, AZ": ("85701", 32.2226, -110.9747),
    "Albany-Schenectady-Troy, NY": ("12207", 42.6526, -73.7562),
    "Fresno, CA": ("93721", 36.7378, -119.7871),
    "Omaha-Council Bluffs, NE-IA": ("68102", 41.2565, -95.9345),
    "Albuquerque, NM": ("87102", 35.0844, -106.6504),
    "Boise City, ID": ("83702", 43.6150, -116.2023),
    "Anchorage, AK": ("99501", 61.2181, -149.9003),
    "Santa Maria-Santa Barbara, CA": ("93101", 34.4208, -119.6982),
    "Lansing-East Lansing, MI": ("48933", 42.7325, -84.5555),
}

# Browsers as the app logs them, weighted to eventsim's shares (Mac ~40 %, Windows ~45 %,
# Linux ~7 %, iOS ~5 %; Chrome ~52 %, Firefox ~24 %, Safari ~14 %, IE ~5 %).
USER_AGENTS: tuple[tuple[str, float], ...] = (
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/36.0.1985.143 Safari/537.36",
        12.0,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.77.4 (KHTML, like Gecko) "
        "Version/7.0.5 Safari/537.77.4",
        9.0,
    ),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10.9; rv:31.0) Gecko/20100101 Firefox/31.0", 7.0),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_0) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/37.0.2062.94 Safari/537.36",
        6.5,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_8_5) AppleWebKit/537.78.2 (KHTML, like Gecko) "
        "Version/6.1.6 Safari/537.78.2",
        4.5,
    ),
    (
        "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/36.0.1985.143 Safari/537.36",
        13.0,
    ),
    ("Mozilla/5.0 (Windows NT 6.1; WOW64; rv:31.0) Gecko/20100101 Firefox/31.0", 9.0),
    (
        "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/35.0.1916.153 Safari/537.36",
        6.0,
    ),
    ("Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; WOW64; Trident/6.0)", 3.0),
    ("Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko", 2.0),
    (
        "Mozilla/5.0 (Windows NT 6.3; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/36.0.1985.143 Safari/537.36",
        5.0,
    ),
    ("Mozilla/5.0 (Windows NT 6.3; WOW64; rv:31.0) Gecko/20100101 Firefox/31.0", 4.0),
    (
        "Mozilla/5.0 (Windows NT 5.1) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/36.0.1985.143 Safari/537.36",
        2.0,
    ),
    ("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:31.0) Gecko/20100101 Firefox/31.0", 3.5),
    (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/36.0.1985.125 Safari/537.36",
        3.5,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 7_1_2 like Mac OS X) AppleWebKit/537.51.2 "
        "(KHTML, like Gecko) Version/7.0 Mobile/11D257 Safari/9537.53",
        3.0,
    ),
    (
        "Mozilla/5.0 (iPad; CPU OS 7_1_2 like Mac OS X) AppleWebKit/537.51.2 (KHTML, like Gecko) "
        "Version/7.0 Mobile/11D257 Safari/9537.53",
        2.0,
    ),
)

MALE_FIRST_NAMES = (
    "James",
    "John",
    "Robert",
    "Michael",
    "William",
    "David",
    "Richard",
    "Joseph",
    "Thomas",
    "Charles",
    "Christopher",
    "Daniel",
    "Matthew",
    "Anthony",
    "Mark",
    "Donald",
    "Steven",
    "Paul",
    "Andrew",
    "Joshua",
    "Kenneth",
    "Kevin",
    "Brian",
    "George",
    "Timothy",
    "Ronald",
    "Edward",
    "Jason",
    "Jeffrey",
    "Ryan",
    "Jacob",
    "Gary",
    "Nicholas",
    "Eric",
    "Jonathan",
    "Stephen",
    "Larry",
    "Justin",
    "Scott",
    "Brandon",
    "Benjamin",
    "Samuel",
    "Gregory",
    "Alexander",
    "Frank",
    "Patrick",
    "Raymond",
    "Jack",
    "Dennis",
    "Jerry",
    "Tyler",
    "Aaron",
    "José",
    "Adam",
    "Nathan",
    "Henry",
    "Zachary",
    "Douglas",
    "Peter",
    "Kyle",
    "Noah",
    "Ethan",
    "Jeremy",
    "Walter",
)
FEMALE_FIRST_NAMES = (
    "Mary",
    "Patricia",
    "Jennifer",
    "Linda",
    "Elizabeth",
    "Barbara",
    "Susan",
    "Jessica",
    "Sarah",
    "Karen",
    "Lisa",
    "Nancy",
    "Betty",
    "Sandra",
    "Margaret",
    "Ashley",
    "Kimberly",
    "Emily",
    "Donna",
    "Michelle",
    "Carol",
    "Amanda",
    "Melissa",
    "Deborah",
    "Stephanie",
    "Dorothy",
    "Rebecca",
    "Sharon",
    "Laura",
    "Cynthia",
    "Amy",
    "Kathleen",
    "Angela",
    "Shirley",
    "Brenda",
    "Emma",
    "Anna",
    "Pamela",
    "Nicole",
    "Samantha",
    "Katherine",
    "Christine",
    "Helen",
    "Debra",
    "Rachel",
    "Carolyn",
    "Janet",
    "Maria",
    "Catherine",
    "Heather",
    "Diane",
    "Olivia",
    "Julie",
    "Joyce",
    "Victoria",
    "Ruth",
    "Virginia",
    "Lauren",
    "Kelly",
    "Christina",
    "Joan",
    "Evelyn",
    "Chloé",
    "Kaylee",
)
LAST_NAMES = (
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Gómez",
    "Phillips",
    "Evans",
    "Turner",
    "Diaz",
    "Parker",
    "Cruz",
    "Edwards",
    "Collins",
    "Reyes",
    "Stewart",
    "Morris",
    "Morales",
    "Murphy",
    "Cook",
    "Rogers",
    "Gutierrez",
    "Ortiz",
    "Morgan",
    "Cooper",
    "Peterson",
    "Bailey",
    "Reed",
    "Kelly",
    "Howard",
    "Ramos",
    "Kim",
    "Cox",
    "Ward",
    "Richardson",
    "Watson",
    "Brooks",
    "Chavez",
    "Wood",
    "James",
    "Bennett",
    "Gray",
    "Mendoza",
    "Ruiz",
    "Hughes",
    "Price",
    "Alvarez",
    "Castillo",
    "Sanders",
    "Patel",
    "Myers",
    "Long",
    "Ross",
    "Foster",
    "Jiménez",
    "Frye",
    "Summers",
)

# Song titles and artist names are built from these. A few names carry an accent, as in the
# real data (about 3 % of played titles and artist names in the Sparkify sample).
ACCENTED_NAME_SHARE = 0.03
TITLE_WORDS = (
    "Love",
    "Night",
    "Heart",
    "Dream",
    "Fire",
    "Rain",
    "Summer",
    "Blue",
    "Gold",
    "Highway",
    "River",
    "Stone",
    "Midnight",
    "Angel",
    "Ghost",
    "Shadow",
    "Light",
    "Girl",
    "Boy",
    "Song",
    "Dance",
    "Train",
    "Home",
    "City",
    "Sky",
    "Ocean",
    "Wild",
    "Sweet",
    "Broken",
    "Silver",
    "Electric",
    "Lonely",
    "Crazy",
    "Forever",
    "Tonight",
    "Paradise",
    "Thunder",
    "Velvet",
    "Mountain",
    "Morning",
    "Winter",
    "Echo",
    "Mirror",
    "Garden",
    "Storm",
    "Desert",
    "Sugar",
    "Neon",
)
ACCENTED_TITLE_WORDS = (
    "Caf\u00e9",
    "Fianc\u00e9e",
    "Ni\u00f1a",
    "Coraz\u00f3n",
    "Sch\u00f6n",
    "Ma\u00f1ana",
    "D\u00e9j\u00e0 Vu",
    "Se\u00f1orita",
    "Cr\u00e8me",
    "Na\u00efve",
    "\u00c9t\u00e9",
)
ARTIST_SYLLABLES = (
    "ka",
    "lo",
    "mi",
    "ra",
    "ten",
    "sha",
    "vor",
    "el",
    "an",
    "dre",
    "ly",
    "ne",
    "zo",
    "ba",
    "ri",
    "mon",
    "ta",
    "ve",
    "sol",
    "do",
    "bel",
    "ja",
    "ki",
    "ro",
    "na",
    "fi",
    "la",
    "mo",
    "ce",
)
ACCENTED_ARTIST_SYLLABLES = (
    "s\u00e9",
    "r\u00f6",
    "\u00f1a",
    "g\u00fc",
    "l\u00e9",
    "bj\u00f6",
)
ARTIST_SUFFIXES = (
    "",
    "",
    "",
    "",
    " & The Band",
    " Trio",
    " Quartet",
    " Orchestra",
    " Collective",
    " Project",
    " Brothers",
    " Sisters",
)
