"""Words the demo world is made of: companies, places, people, titles and e-mail domains."""

from __future__ import annotations

from typing import NamedTuple

# The simulated vendor: a data platform sold to data, IT and operations leaders.
VENDOR_NAME = "Brightwave"
VENDOR_DOMAIN = "brightwave.io"
VENDOR_SITE = "https://www.brightwave.io"

# Competitors' domains: their people snoop on pricing and docs and never buy.
COMPETITOR_DOMAINS = (
    "dataforge.io",
    "querybeam.com",
    "lakehouselabs.com",
    "pipewise.io",
    "metricmill.com",
    "insightgrid.com",
)
COMPETITOR_NAMES = (
    "DataForge",
    "QueryBeam",
    "Lakehouse Labs",
    "Pipewise",
    "MetricMill",
    "InsightGrid",
)

FREE_MAIL_DOMAINS = (
    ("gmail.com", 55),
    ("outlook.com", 14),
    ("yahoo.com", 11),
    ("hotmail.com", 8),
    ("icloud.com", 5),
    ("proton.me", 3),
    ("gmx.de", 2),
    ("web.de", 2),
)
DISPOSABLE_DOMAINS = (
    "mailinator.com",
    "guerrillamail.com",
    "10minutemail.com",
    "yopmail.com",
    "trashmail.com",
    "sharklasers.com",
    "temp-mail.org",
)


class University(NamedTuple):
    """A university: students write from its domain."""

    name: str
    domain: str
    country: str
    employees: int


UNIVERSITIES = (
    University("Northfield University", "northfield.edu", "United States", 9_000),
    University("Lakeshore State University", "lakeshore-state.edu", "United States", 14_000),
    University("Westbrook Institute of Technology", "westbrook-tech.edu", "United States", 6_000),
    University("University of Kingsmere", "kingsmere.ac.uk", "United Kingdom", 7_500),
    University("Technische Hochschule Rheinau", "th-rheinau.de", "Germany", 4_200),
    University("Universite de Valcourt", "univ-valcourt.fr", "France", 5_100),
    University("Harbourside University", "harbourside.edu.au", "Australia", 8_300),
    University("Pacific Institute of Data Science", "pids.edu.sg", "Singapore", 2_400),
    University("Universidade Serra Azul", "serraazul.edu.br", "Brazil", 6_800),
)


class Country(NamedTuple):
    """A country: its region, share of companies, company domain endings and cities."""

    name: str
    region: str
    weight: float
    tlds: tuple[str, ...]
    cities: tuple[str, ...]


COUNTRIES = (
    Country("United States", "NA", 40, (".com", ".com", ".io"), ("New York", "Austin", "Chicago")),
    Country("Canada", "NA", 5, (".ca", ".com"), ("Toronto", "Vancouver")),
    Country("United Kingdom", "EMEA", 10, (".co.uk", ".com"), ("London", "Manchester")),
    Country("Germany", "EMEA", 8, (".de",), ("Berlin", "Munich", "Hamburg")),
    Country("France", "EMEA", 5, (".fr", ".com"), ("Paris", "Lyon")),
    Country("Netherlands", "EMEA", 4, (".nl", ".com"), ("Amsterdam", "Rotterdam")),
    Country("Sweden", "EMEA", 2, (".se",), ("Stockholm",)),
    Country("Spain", "EMEA", 3, (".es", ".com"), ("Madrid", "Barcelona")),
    Country("Australia", "APAC", 6, (".com.au",), ("Sydney", "Melbourne")),
    Country("Singapore", "APAC", 3, (".com.sg", ".com"), ("Singapore",)),
    Country("India", "APAC", 4, (".in", ".com"), ("Bangalore", "Mumbai")),
    Country("Japan", "APAC", 2, (".co.jp",), ("Tokyo", "Osaka")),
    Country("Brazil", "LATAM", 5, (".com.br",), ("Sao Paulo", "Rio de Janeiro")),
    Country("Mexico", "LATAM", 3, (".com.mx",), ("Mexico City", "Monterrey")),
)
COUNTRY_BY_NAME = {country.name: country for country in COUNTRIES}


class Industry(NamedTuple):
    """An industry: share of companies, how well it fits the product, revenue per employee."""

    name: str
    weight: float
    fit: float
    revenue_per_employee: float
    suffixes: tuple[str, ...]


INDUSTRIES = (
    Industry("Software", 18, 0.9, 260_000, ("", " Software", " Labs", " Technologies")),
    Industry("Financial Services", 12, 0.85, 420_000, (" Capital", " Financial", " Bank")),
    Industry("Healthcare", 10, 0.7, 180_000, (" Health", " Medical", " Care")),
    Industry("Retail & E-commerce", 10, 0.65, 220_000, (" Retail", " Commerce", " Brands")),
    Industry("Manufacturing", 11, 0.6, 240_000, (" Industries", " Manufacturing", " Works")),
    Industry("Telecommunications", 5, 0.75, 350_000, (" Telecom", " Networks")),
    Industry("Professional Services", 10, 0.55, 160_000, (" Consulting", " Partners", " Group")),
    Industry("Logistics", 7, 0.55, 200_000, (" Logistics", " Freight", " Transport")),
    Industry("Media & Entertainment", 6, 0.5, 230_000, (" Media", " Studios")),
    Industry("Energy", 5, 0.6, 520_000, (" Energy", " Power", " Resources")),
    Industry("Government", 3, 0.3, 120_000, (" Agency", " Authority")),
    Industry("Nonprofit", 3, 0.2, 90_000, (" Foundation", " Trust")),
)

COMPANY_PREFIXES = (
    "North", "South", "Blue", "Red", "Green", "Silver", "Gold", "Iron", "Stone", "Bright",
    "Clear", "Swift", "Summit", "Harbor", "River", "Maple", "Cedar", "Oak", "Pine", "Granite",
    "Atlas", "Apex", "Vertex", "Nova", "Polar", "Crescent", "Pioneer", "Sterling", "Beacon",
    "Lumen", "Orbit", "Vector", "Cobalt", "Amber", "Falcon", "Eagle", "Fox", "Hawk", "Coral",
    "Delta", "Echo", "Zenith", "Meridian", "Horizon", "Prairie", "Canyon", "Alpine", "Arctic",
    "Solar", "Terra", "Ember", "Crystal", "Willow", "Birch", "Ridge", "Copper", "Jade",
    "Onyx", "Sage", "Indigo",
)  # fmt: skip
COMPANY_ROOTS = (
    "wind", "stone", "field", "bridge", "gate", "point", "wave", "line", "path", "core",
    "forge", "peak", "way", "star", "light", "rock", "wood", "land", "port", "mark", "view",
    "crest", "brook", "dale", "ford", "haven", "shore", "spring", "vale", "bay", "hill",
    "grove", "well", "stream", "works", "mont", "lane", "craft", "sight", "scale",
)  # fmt: skip

FIRST_NAMES = (
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
    "Sarah", "Daniel", "Karen", "Matthew", "Nancy", "Anthony", "Lisa", "Mark", "Emily",
    "Paul", "Michelle", "Steven", "Laura", "Andrew", "Rachel", "Kevin", "Anna", "Brian",
    "Olivia", "Lukas", "Sophie", "Jonas", "Lea", "Felix", "Hannah", "Pierre", "Camille",
    "Louis", "Chloe", "Lars", "Ingrid", "Erik", "Astrid", "Pablo", "Lucia", "Javier",
    "Carmen", "Mateo", "Valentina", "Lucas", "Gabriela", "Rafael", "Fernanda", "Diego",
    "Camila", "Arjun", "Priya", "Rahul", "Ananya", "Vikram", "Neha", "Hiroshi", "Yuki",
    "Kenji", "Aiko", "Wei", "Mei", "Jun", "Li", "Noah", "Emma", "Liam", "Ava", "Ethan",
    "Mia", "Oliver", "Zoe", "Samuel", "Grace", "Omar", "Leila", "Tariq", "Amira", "Chen",
    "Sanjay", "Deepa", "Tomas", "Eva", "Marco", "Giulia", "Sven", "Freya", "Nathan", "Ruth",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
    "Rodriguez", "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis",
    "Walker", "Hall", "Allen", "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams",
    "Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Carter", "Phillips", "Evans",
    "Turner", "Parker", "Collins", "Edwards", "Stewart", "Morris", "Murphy", "Cook",
    "Rogers", "Morgan", "Cooper", "Peterson", "Reed", "Bailey", "Bell", "Kelly", "Howard",
    "Mueller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
    "Dubois", "Moreau", "Laurent", "Lefebvre", "Johansson", "Andersson", "Nilsson",
    "Lindberg", "Fernandez", "Gonzalez", "Sanchez", "Romero", "Silva", "Santos", "Oliveira",
    "Costa", "Pereira", "Patel", "Sharma", "Singh", "Kumar", "Gupta", "Rao", "Tanaka",
    "Suzuki", "Sato", "Watanabe", "Wang", "Zhang", "Liu", "Chen", "Huang", "Nguyen", "Tran",
    "Kim", "Park", "Haddad", "Rossi", "Bianchi", "Novak", "Kowalski", "Jansen", "De Vries",
    "O'Brien", "Murray", "Walsh", "Byrne", "Fraser",
)  # fmt: skip


class Title(NamedTuple):
    """A job title and what marketing reads from it; `fit` is how well it buys the product."""

    title: str
    seniority: str
    department: str
    persona: str
    fit: float


TITLES = (
    Title("Chief Data Officer", "executive", "Data & Analytics", "data_leader", 1.0),
    Title("VP Data & Analytics", "vp", "Data & Analytics", "data_leader", 1.0),
    Title("Head of Data", "director", "Data & Analytics", "data_leader", 0.95),
    Title("Director of Data Engineering", "director", "Engineering", "data_leader", 0.9),
    Title("Data Engineering Manager", "manager", "Engineering", "engineering", 0.75),
    Title("Senior Data Engineer", "individual_contributor", "Engineering", "engineering", 0.55),
    Title("Data Engineer", "individual_contributor", "Engineering", "engineering", 0.45),
    Title("Analytics Engineer", "individual_contributor", "Data & Analytics", "engineering", 0.45),
    Title("Software Engineer", "individual_contributor", "Engineering", "engineering", 0.25),
    Title("Chief Information Officer", "executive", "IT", "it_leader", 0.9),
    Title("VP of IT", "vp", "IT", "it_leader", 0.85),
    Title("IT Director", "director", "IT", "it_leader", 0.8),
    Title("IT Manager", "manager", "IT", "it_leader", 0.55),
    Title("BI Manager", "manager", "Data & Analytics", "analyst", 0.65),
    Title("Data Analyst", "individual_contributor", "Data & Analytics", "analyst", 0.3),
    Title("Business Analyst", "individual_contributor", "Operations", "analyst", 0.25),
    Title("Chief Operating Officer", "executive", "Operations", "operations", 0.6),
    Title("Director of Operations", "director", "Operations", "operations", 0.5),
    Title("RevOps Manager", "manager", "Operations", "operations", 0.45),
    Title("Chief Financial Officer", "executive", "Finance", "finance", 0.6),
    Title("Finance Director", "director", "Finance", "finance", 0.45),
    Title("FP&A Manager", "manager", "Finance", "finance", 0.35),
    Title("Marketing Coordinator", "individual_contributor", "Marketing", "other", 0.1),
    Title("Sales Development Rep", "individual_contributor", "Sales", "other", 0.08),
    Title("HR Manager", "manager", "Human Resources", "other", 0.05),
    Title("Office Manager", "individual_contributor", "Administration", "other", 0.05),
    Title("Consultant", "individual_contributor", "Professional Services", "other", 0.2),
)
STUDENT_TITLES = (
    Title("Student", "student", "Education", "student", 0.0),
    Title("Graduate Student", "student", "Education", "student", 0.0),
    Title("MBA Student", "student", "Education", "student", 0.0),
    Title("PhD Candidate", "student", "Education", "student", 0.0),
)
# Competitors send product people, and engineers whose titles look like buyers'.
COMPETITOR_TITLES = (
    Title("Product Manager", "manager", "Product", "other", 0.0),
    Title("Product Marketing Manager", "manager", "Marketing", "other", 0.0),
    Title("Competitive Intelligence Analyst", "individual_contributor", "Marketing", "other", 0.0),
    Title("VP Product", "vp", "Product", "other", 0.0),
    *(title for title in TITLES if title.department == "Engineering"),
)
# Job seekers give the job they have or want.
JOB_SEEKER_TITLES = (
    Title("Recent Graduate", "individual_contributor", "Other", "other", 0.0),
    Title("Open to Work", "individual_contributor", "Other", "other", 0.0),
    *(title for title in TITLES if title.seniority in {"individual_contributor", "manager"}),
)
JUNK_NAMES = ("Test", "Asdf", "Qwerty", "Xxx", "Abc", "Na", "Aaa")
