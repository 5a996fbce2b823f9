"""The raw material of the demo: people, the 7th cycle's form and criteria, cities, and the
themes from which initiatives are written. Plain data; `awards.demo` turns it into rows.

Everyone here is fictional; the institutions and cities are real so that conflict detection
(same country, city or organisation, or a judge's institution named as partner) has
something real to find.
"""

from __future__ import annotations

from dataclasses import dataclass

EMAIL_DOMAIN = "demo.gzaward.org"


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    affiliation: str
    city: str
    country_code: str
    timezone: str
    expertise: str = ""  # comma-separated domain keys
    languages: str = "English"
    bio: str = ""


ADMIN = Person(
    "Zhou Ming",
    f"admin@{EMAIL_DOMAIN}",
    "Guangzhou Award Secretariat",
    "Guangzhou",
    "CN",
    "Asia/Shanghai",
    languages="Chinese, English",
    bio="Runs the award's systems and user accounts.",
)
SECRETARIAT = Person(
    "Li Wei",
    f"secretariat@{EMAIL_DOMAIN}",
    "Guangzhou Award Secretariat",
    "Guangzhou",
    "CN",
    "Asia/Shanghai",
    languages="Chinese, English, Spanish",
    bio="Programme officer: validity screening, the committee's and the jury's work.",
)

# The Technical Committee: 11 independent experts from every world region.
COMMITTEE = [
    Person(
        "Amina Okafor",
        f"judge@{EMAIL_DOMAIN}",
        "University of Lagos",
        "Lagos",
        "NG",
        "Africa/Lagos",
        "social,governance",
        "English, Yoruba, French",
        "Professor of urban and regional planning; works on informal settlements and "
        "municipal finance in West African cities.",
    ),
    Person(
        "Camila Restrepo Ortiz",
        f"camila.restrepo@{EMAIL_DOMAIN}",
        "Universidad de los Andes",
        "Bogotá",
        "CO",
        "America/Bogota",
        "governance,social",
        "Spanish, English, Portuguese",
        "Political scientist; evaluates participatory budgeting and care policies in Latin "
        "American cities.",
    ),
    Person(
        "Henrik Lindqvist",
        f"henrik.lindqvist@{EMAIL_DOMAIN}",
        "KTH Royal Institute of Technology",
        "Stockholm",
        "SE",
        "Europe/Stockholm",
        "environmental,technology",
        "Swedish, English, German",
        "Engineer and researcher on district energy, circular resource flows and "
        "climate-neutral neighbourhoods.",
    ),
    Person(
        "Priya Raghunathan",
        f"priya.raghunathan@{EMAIL_DOMAIN}",
        "Indian Institute for Human Settlements",
        "Bengaluru",
        "IN",
        "Asia/Kolkata",
        "economic,social",
        "English, Tamil, Hindi",
        "Urban economist; street vending, informal work and social protection.",
    ),
    Person(
        "Zhang Min",
        f"zhang.min@{EMAIL_DOMAIN}",
        "Tongji University",
        "Shanghai",
        "CN",
        "Asia/Shanghai",
        "environmental,technology",
        "Chinese, English",
        "Professor of landscape architecture; sponge-city programmes and urban ecology.",
    ),
    Person(
        "Fatima Zahra Benali",
        f"fatima.benali@{EMAIL_DOMAIN}",
        "Mohammed V University",
        "Rabat",
        "MA",
        "Africa/Casablanca",
        "governance,social",
        "Arabic, French, English",
        "Specialist in decentralisation and local public services in North Africa.",
    ),
    Person(
        "Lerato Mokoena",
        f"lerato.mokoena@{EMAIL_DOMAIN}",
        "University of Cape Town",
        "Cape Town",
        "ZA",
        "Africa/Johannesburg",
        "social,governance",
        "English, Sesotho, Afrikaans",
        "Researcher at the African Centre for Cities; housing and spatial justice.",
    ),
    Person(
        "Jonas Weber",
        f"jonas.weber@{EMAIL_DOMAIN}",
        "Technical University of Munich",
        "Munich",
        "DE",
        "Europe/Berlin",
        "technology,economic",
        "German, English",
        "Works on digital public infrastructure, open data and smart-city procurement.",
    ),
    Person(
        "Sofía Méndez Aguilar",
        f"sofia.mendez@{EMAIL_DOMAIN}",
        "El Colegio de México",
        "Mexico City",
        "MX",
        "America/Mexico_City",
        "governance,economic",
        "Spanish, English",
        "Public administration scholar; metropolitan governance and municipal finance.",
    ),
    Person(
        "Kenji Watanabe",
        f"kenji.watanabe@{EMAIL_DOMAIN}",
        "The University of Tokyo",
        "Tokyo",
        "JP",
        "Asia/Tokyo",
        "technology,environmental",
        "Japanese, English",
        "Disaster-risk reduction, early-warning systems and resilient infrastructure.",
    ),
    Person(
        "Claire Dubois",
        f"claire.dubois@{EMAIL_DOMAIN}",
        "Sciences Po Urban School",
        "Paris",
        "FR",
        "Europe/Paris",
        "governance,social",
        "French, English, Spanish",
        "Urban sociologist; culture-led regeneration and citizen participation.",
    ),
]

# The Jury: five eminent people who choose the winners from the shortlist.
JURY = [
    Person(
        "Marco Bellini",
        f"juror@{EMAIL_DOMAIN}",
        "Politecnico di Torino",
        "Turin",
        "IT",
        "Europe/Rome",
        "governance,economic",
        "Italian, English, French",
        "Former deputy mayor for urban regeneration; professor of urban policy.",
    ),
    Person(
        "Kwame Mensah",
        f"kwame.mensah@{EMAIL_DOMAIN}",
        "University of Ghana",
        "Accra",
        "GH",
        "Africa/Accra",
        "economic,social",
        "English, Twi",
        "Development economist; former adviser on local economic development.",
    ),
    Person(
        "Ana Luísa Ferreira",
        f"ana.ferreira@{EMAIL_DOMAIN}",
        "University of Lisbon",
        "Lisbon",
        "PT",
        "Europe/Lisbon",
        "environmental,social",
        "Portuguese, English, Spanish",
        "Architect and urbanist; climate adaptation of historic cities.",
    ),
    Person(
        "Leila Haddad",
        f"leila.haddad@{EMAIL_DOMAIN}",
        "American University of Beirut",
        "Beirut",
        "LB",
        "Asia/Beirut",
        "governance,social",
        "Arabic, English, French",
        "Professor of urban planning; post-crisis recovery and municipal unions.",
    ),
    Person(
        "Daniel Kim",
        f"daniel.kim@{EMAIL_DOMAIN}",
        "Seoul National University",
        "Seoul",
        "KR",
        "Asia/Seoul",
        "technology,governance",
        "Korean, English",
        "Former head of a metropolitan innovation bureau; e-government and civic tech.",
    ),
]

CYCLE_NAME = "7th Guangzhou International Award for Urban Innovation"
CYCLE_DESCRIPTION = (
    "The Guangzhou International Award for Urban Innovation recognises innovative "
    "initiatives of local and regional governments that improve the sustainability of "
    "cities and the lives of their residents. It is co-sponsored by UCLG, Metropolis and "
    "the City of Guangzhou. Any city or regional government may enter one or more "
    "initiatives that are ongoing or finished within the last two years. Entries received by "
    "the early-bird deadline get feedback from the Secretariat and can still be improved. "
    "Deadlines are in China Standard Time (UTC+8). Working language: English."
)

# (key, title, word limit, required, help text)
SECTIONS = [
    (
        "background",
        "Background",
        400,
        True,
        "Describe your city or region and the problem the initiative addresses: who was "
        "affected, how many people, since when, and why it mattered locally.",
    ),
    (
        "origins",
        "Origins of the initiative",
        300,
        True,
        "How did the idea come about? Who proposed it (the local government, residents, "
        "civil society, business)? What had been tried before?",
    ),
    (
        "innovation",
        "Innovation",
        500,
        True,
        "What is new? It can be a policy, an implementation strategy, a business or "
        "financing model, a partnership, a way of engaging residents, a governance approach "
        "or a use of technology. Say whether it is revolutionary (new anywhere) or "
        "evolutionary (adapted from elsewhere) and what makes it new in your context.",
    ),
    (
        "implementation",
        "Implementation",
        500,
        True,
        "The main steps and their dates, who did what, the resources used, and the "
        "obstacles you met and how you overcame them.",
    ),
    (
        "outcomes",
        "Outcomes and evidence",
        600,
        True,
        "Results measured against the initiative's own objectives. Give figures and name "
        "the evidence (monitoring data, evaluations, independent studies, press). Attach "
        "documents in the supporting material.",
    ),
    (
        "partners_financing",
        "Partners and financing",
        400,
        True,
        "The partners and their roles; the budget, its sources, and how the initiative is "
        "funded in the long run.",
    ),
    (
        "replicability",
        "Replicability and transferability",
        300,
        True,
        "Could other cities adopt the initiative? What would they need, and has anyone "
        "adapted it already?",
    ),
    (
        "sdg_relevance",
        "Relevance to the SDGs and the New Urban Agenda",
        300,
        False,
        "Which Sustainable Development Goals and which commitments of the New Urban Agenda "
        "does the initiative advance, and how?",
    ),
]

# The five domains of 2023 (multi-select; there is no prize per domain).
DOMAINS = [
    ("social", "Social and cultural"),
    ("economic", "Economic"),
    ("environmental", "Environmental"),
    ("governance", "Governance"),
    ("technology", "Technology"),
]

# (name, weight, rubric): scale 1 to 10; the rubric says what a 1, a 5 and a 10 look like.
CRITERIA = [
    (
        "Innovation",
        "25",
        "New policies, implementation strategies, business or financing models, partnerships, "
        "engagement, governance approaches or use of technology. Revolutionary (new anywhere) "
        "and evolutionary (adapted from elsewhere) innovation both count.\n"
        "1: routine practice, nothing new for this city.\n"
        "5: adapts a known approach with some local originality.\n"
        "10: a genuinely new approach that others will learn from.",
    ),
    (
        "Effectiveness",
        "20",
        "How far the initiative achieved its own objectives, shown by evidence.\n"
        "1: no results shown, or results unrelated to the objectives.\n"
        "5: some objectives met; evidence partial or only from the city itself.\n"
        "10: objectives met or exceeded, with robust and independent evidence.",
    ),
    (
        "Replicability and transferability",
        "20",
        "Whether other cities, with other means and contexts, could adopt it.\n"
        "1: depends on conditions found nowhere else.\n"
        "5: transferable with significant adaptation or resources.\n"
        "10: clearly documented, affordable and already being adapted elsewhere.",
    ),
    (
        "Significance and impact",
        "20",
        "How much the initiative changes residents' lives, weighed against the city's "
        "socio-economic context and means.\n"
        "1: marginal effect on few people.\n"
        "5: noticeable benefit for a significant group.\n"
        "10: lasting, large-scale change, especially for vulnerable groups.",
    ),
    (
        "Relevance to the SDGs and the New Urban Agenda",
        "15",
        "The contribution to the 2030 Agenda and the New Urban Agenda.\n"
        "1: no link beyond a mention.\n"
        "5: a clear contribution to one or two goals.\n"
        "10: a strong, measured contribution to several goals and commitments.",
    ),
]

# Countries taking part and how many city governments from each (about 60 countries,
# weighted towards the large ones).
COUNTRY_QUOTAS: dict[str, int] = {
    "CN": 16, "IN": 9, "BR": 8, "MX": 7, "TR": 6, "ID": 6, "RU": 5, "CO": 5, "US": 6,
    "KR": 4, "DE": 4, "ZA": 4, "ES": 4, "NG": 3, "EG": 3, "IR": 3, "PH": 3, "VN": 3,
    "PK": 3, "JP": 3, "FR": 3, "IT": 3, "GB": 3, "AR": 3, "KE": 3, "GR": 3, "BD": 2,
    "CL": 2, "PE": 2, "EC": 2, "UG": 2, "TZ": 2, "ET": 2, "GH": 2, "SN": 2, "MA": 2,
    "TN": 2, "PS": 2, "AE": 2, "SA": 2, "PT": 2, "PL": 2, "NL": 2, "SE": 2, "BE": 2,
    "CA": 2, "AU": 2, "TH": 2, "MY": 2, "KZ": 2, "JO": 1, "LB": 1, "AT": 1, "NZ": 1,
    "UZ": 1, "RW": 1, "CI": 1, "CM": 1, "BO": 1, "UY": 1, "CR": 1, "NP": 1,
}  # fmt: skip

# The real 2023 shortlist: always among the applicants. (name in the demo, geonames name, cc)
SHORTLIST_2023 = [
    ("Bogotá", "Bogotá", "CO"),
    ("Chalandri", "Khalándrion", "GR"),
    ("Gwangju", "Gwangju", "KR"),
    ("Kampala", "Kampala", "UG"),
    ("Xianning", "Xianning", "CN"),
    ("Antalya", "Antalya", "TR"),
    ("Cape Town", "Cape Town", "ZA"),
    ("Iztapalapa", "Iztapalapa", "MX"),
    ("Jakarta", "Jakarta", "ID"),
    ("Kazan", "Kazan", "RU"),
    ("Mannheim", "Mannheim", "DE"),
    ("Pimpri Chinchwad", "Pimpri-Chinchwad", "IN"),
    ("Ramallah", "Ramallah", "PS"),
    ("São Paulo", "São Paulo", "BR"),
    ("Tehran", "Tehran", "IR"),
]

# Governments above the city: regional governments and a union of municipalities.
# (organisation name, seat city, country, population, level)
REGIONAL_APPLICANTS = [
    ("Antioquia Department Government", "Medellín", "CO", 6_900_000, "regional"),
    ("Union of Dannieh Municipalities", "Sir ed-Danniyeh", "LB", 170_000, "association"),
    ("Gyeonggi Provincial Government", "Suwon", "KR", 13_600_000, "regional"),
    ("Barcelona Provincial Council", "Barcelona", "ES", 5_700_000, "regional"),
    ("Odisha Housing and Urban Development Department", "Bhubaneswar", "IN", 46_000_000,
     "regional"),
    ("Lisbon Metropolitan Area", "Lisbon", "PT", 2_870_000, "association"),
]  # fmt: skip

# How a city government is called, by country (default: "City of {city}").
ORGANISATION_PATTERNS = {
    "CN": "{city} Municipal People's Government",
    "TR": "{city} Metropolitan Municipality",
    "KR": "{city} Metropolitan City",
    "IN": "{city} Municipal Corporation",
    "BR": "{city} City Hall",
    "MX": "Municipality of {city}",
    "CO": "Mayor's Office of {city}",
    "AR": "Municipality of {city}",
    "CL": "Municipality of {city}",
    "PE": "Municipality of {city}",
    "EC": "Metropolitan District of {city}",
    "BO": "Autonomous Municipal Government of {city}",
    "UY": "Intendencia de {city}",
    "CR": "Municipality of {city}",
    "ES": "{city} City Council",
    "IT": "Municipality of {city}",
    "GR": "Municipality of {city}",
    "PT": "{city} City Council",
    "FR": "City of {city}",
    "BE": "City of {city}",
    "RU": "{city} City Administration",
    "KZ": "Akimat of {city}",
    "UZ": "{city} City Khokimiyat",
    "IR": "{city} Municipality",
    "PS": "{city} Municipality",
    "JO": "Greater {city} Municipality",
    "LB": "Municipality of {city}",
    "EG": "{city} Governorate",
    "SA": "{city} Municipality",
    "AE": "{city} Municipality",
    "MA": "Commune of {city}",
    "TN": "Municipality of {city}",
    "SN": "City of {city}",
    "CI": "Autonomous District of {city}",
    "CM": "{city} City Council",
    "NG": "{city} Metropolitan Area Council",
    "KE": "{city} City County",
    "UG": "{city} City Council",
    "TZ": "{city} City Council",
    "ET": "{city} City Administration",
    "ID": "{city} City Government",
    "PH": "City Government of {city}",
    "VN": "{city} People's Committee",
    "TH": "{city} City Municipality",
    "MY": "{city} City Council",
    "BD": "{city} City Corporation",
    "PK": "{city} Metropolitan Corporation",
    "NP": "{city} Metropolitan City",
    "JP": "{city} City Government",
}
ORGANISATION_NAME_OVERRIDES = {
    ("Bogotá", "CO"): "Bogotá District Mayor's Office",
    ("Kampala", "UG"): "Kampala Capital City Authority",
    ("Iztapalapa", "MX"): "Iztapalapa Borough Government",
    ("Jakarta", "ID"): "Provincial Government of DKI Jakarta",
    ("Pimpri Chinchwad", "IN"): "Pimpri Chinchwad Municipal Corporation",
    ("Mexico City", "MX"): "Government of Mexico City",
}

ROLE_TITLES = [
    "Director of Urban Planning",
    "Head of International Relations",
    "Project Manager",
    "Chief Resilience Officer",
    "Deputy Mayor for Social Affairs",
    "Director of Innovation",
    "Head of the Mayor's Office",
    "Sustainability Officer",
    "Coordinator of Citizen Participation",
    "Director of Economic Development",
]

# Given names and family names by language area; contacts and applicant users get names that
# fit their country.
NAMES: dict[str, tuple[list[str], list[str]]] = {
    "es": (
        [
            "María",
            "José",
            "Lucía",
            "Carlos",
            "Valentina",
            "Andrés",
            "Camila",
            "Diego",
            "Paula",
            "Javier",
            "Gabriela",
            "Luis",
        ],
        [
            "García",
            "Rodríguez",
            "Martínez",
            "Hernández",
            "López",
            "Gómez",
            "Díaz",
            "Vargas",
            "Castro",
            "Morales",
            "Rojas",
            "Suárez",
        ],
    ),
    "pt": (
        [
            "Ana",
            "João",
            "Mariana",
            "Pedro",
            "Beatriz",
            "Rafael",
            "Juliana",
            "Lucas",
            "Fernanda",
            "Tiago",
        ],
        [
            "Silva",
            "Santos",
            "Oliveira",
            "Souza",
            "Costa",
            "Pereira",
            "Almeida",
            "Ferreira",
            "Ribeiro",
            "Carvalho",
        ],
    ),
    "zh": (
        ["Wei", "Fang", "Jing", "Lei", "Yan", "Hao", "Xiaoling", "Jun", "Ying", "Tao"],
        ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou"],
    ),
    "ko": (
        ["Ji-hoon", "Seo-yeon", "Min-jun", "Ha-eun", "Dong-hyun", "Su-bin", "Jae-won"],
        ["Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Yoon"],
    ),
    "ja": (
        ["Yuki", "Haruto", "Aiko", "Takeshi", "Sakura", "Kenta", "Mei"],
        ["Sato", "Suzuki", "Takahashi", "Tanaka", "Ito", "Nakamura", "Kobayashi"],
    ),
    "ar": (
        ["Ahmed", "Fatima", "Omar", "Layla", "Youssef", "Nour", "Khaled", "Rania", "Samir", "Hala"],
        [
            "Haddad",
            "Khalil",
            "Mansour",
            "Saleh",
            "Nasser",
            "Aziz",
            "Hamdan",
            "Darwish",
            "Othman",
            "Rahman",
        ],
    ),
    "fa": (
        ["Reza", "Maryam", "Ali", "Zahra", "Hossein", "Narges", "Mehdi"],
        ["Ahmadi", "Hosseini", "Karimi", "Moradi", "Rezaei", "Jafari", "Tehrani"],
    ),
    "tr": (
        ["Elif", "Mehmet", "Zeynep", "Mustafa", "Ayşe", "Emre", "Selin", "Burak"],
        ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Aydın", "Öztürk", "Arslan"],
    ),
    "ru": (
        ["Anna", "Dmitry", "Elena", "Sergey", "Olga", "Alexei", "Natalia", "Timur", "Aigerim"],
        [
            "Ivanova",
            "Petrov",
            "Smirnova",
            "Volkov",
            "Fedorova",
            "Sokolov",
            "Nurlanov",
            "Khabibullin",
            "Akhmetova",
        ],
    ),
    "de": (
        ["Anna", "Lukas", "Sophie", "Maximilian", "Lena", "Felix", "Katharina", "Jonas"],
        ["Müller", "Schmidt", "Schneider", "Fischer", "Becker", "Hoffmann", "Wagner", "Koch"],
    ),
    "fr": (
        [
            "Camille",
            "Julien",
            "Aminata",
            "Mamadou",
            "Claire",
            "Moussa",
            "Élodie",
            "Thomas",
            "Fatou",
            "Nicolas",
        ],
        [
            "Martin",
            "Bernard",
            "Diallo",
            "Traoré",
            "Dubois",
            "Ndiaye",
            "Lefèvre",
            "Kouassi",
            "Mbarga",
            "Laurent",
        ],
    ),
    "en": (
        [
            "Sarah",
            "James",
            "Emily",
            "Michael",
            "Olivia",
            "Daniel",
            "Grace",
            "Thomas",
            "Hannah",
            "Samuel",
        ],
        [
            "Smith",
            "Johnson",
            "Brown",
            "Taylor",
            "Wilson",
            "Clarke",
            "Walker",
            "Evans",
            "Thompson",
            "Roberts",
        ],
    ),
    "af": (
        ["Thandiwe", "Sipho", "Nomvula", "Themba", "Ayesha", "Pieter", "Zanele"],
        ["Dlamini", "Nkosi", "Botha", "Khumalo", "Van der Merwe", "Naidoo", "Mthembu"],
    ),
    "sw": (
        [
            "Wanjiru",
            "Juma",
            "Amani",
            "Grace",
            "Baraka",
            "Faith",
            "Moses",
            "Neema",
            "Abebe",
            "Chinedu",
            "Ngozi",
            "Kofi",
            "Akosua",
            "Jean-Paul",
        ],
        [
            "Mwangi",
            "Otieno",
            "Nakato",
            "Okello",
            "Mushi",
            "Wanjala",
            "Tesfaye",
            "Okonkwo",
            "Adeyemi",
            "Mensah",
            "Boateng",
            "Uwimana",
            "Kamau",
            "Ssempala",
        ],
    ),
    "hi": (
        [
            "Aarav",
            "Priya",
            "Rohan",
            "Ananya",
            "Vikram",
            "Sneha",
            "Arjun",
            "Kavita",
            "Rahul",
            "Meera",
        ],
        [
            "Sharma",
            "Patel",
            "Singh",
            "Kulkarni",
            "Iyer",
            "Reddy",
            "Deshmukh",
            "Nair",
            "Joshi",
            "Shrestha",
        ],
    ),
    "ur": (
        ["Ayesha", "Bilal", "Sana", "Imran", "Farhan", "Nadia", "Tanvir", "Nusrat"],
        ["Khan", "Qureshi", "Malik", "Siddiqui", "Hussain", "Rahman", "Chowdhury", "Hossain"],
    ),
    "id": (
        ["Putri", "Budi", "Siti", "Agus", "Dewi", "Rizky", "Nurul", "Hafiz", "Aisyah"],
        [
            "Santoso",
            "Wijaya",
            "Pratama",
            "Hidayat",
            "Lestari",
            "Saputra",
            "Rahman",
            "Abdullah",
            "Ismail",
        ],
    ),
    "vi": (
        ["Linh", "Minh", "Huong", "Tuan", "Mai", "Quang"],
        ["Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu"],
    ),
    "th": (
        ["Somchai", "Suda", "Niran", "Pimchanok", "Anan"],
        ["Srisuk", "Chaiyaporn", "Wongsakul", "Rattanakorn", "Boonmee"],
    ),
    "fil": (
        ["Maria Cristina", "Jose Miguel", "Angelica", "Ramon", "Joy", "Mark Anthony"],
        ["Santos", "Reyes", "Cruz", "Bautista", "Villanueva", "Mendoza"],
    ),
    "el": (
        ["Eleni", "Giorgos", "Maria", "Dimitris", "Katerina", "Nikos"],
        ["Papadopoulou", "Georgiou", "Nikolaidis", "Konstantinou", "Vlachou", "Antoniou"],
    ),
    "it": (
        ["Giulia", "Marco", "Francesca", "Alessandro", "Chiara", "Luca"],
        ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano"],
    ),
    "pl": (
        ["Anna", "Piotr", "Katarzyna", "Tomasz", "Magdalena"],
        ["Nowak", "Kowalska", "Wiśniewski", "Wójcik", "Kamińska"],
    ),
    "nl": (
        ["Sanne", "Daan", "Femke", "Bram", "Lotte", "Pieter"],
        ["de Jong", "Jansen", "de Vries", "Bakker", "Peeters", "Janssens"],
    ),
    "nordic": (
        ["Emma", "Erik", "Sara", "Anders", "Maja"],
        ["Andersson", "Johansson", "Karlsson", "Nilsson", "Lindberg"],
    ),
}
LANGUAGE_AREA = {
    **dict.fromkeys(["ES", "MX", "CO", "AR", "CL", "PE", "EC", "BO", "UY", "CR"], "es"),
    **dict.fromkeys(["BR", "PT"], "pt"),
    "CN": "zh", "KR": "ko", "JP": "ja", "IR": "fa", "TR": "tr", "GR": "el", "IT": "it",
    "PL": "pl", "VN": "vi", "TH": "th", "PH": "fil", "ZA": "af",
    **dict.fromkeys(["EG", "MA", "TN", "PS", "JO", "LB", "AE", "SA"], "ar"),
    **dict.fromkeys(["RU", "KZ", "UZ"], "ru"),
    **dict.fromkeys(["DE", "AT"], "de"),
    **dict.fromkeys(["FR", "SN", "CI", "CM"], "fr"),
    **dict.fromkeys(["GB", "US", "CA", "AU", "NZ"], "en"),
    **dict.fromkeys(["NG", "KE", "UG", "TZ", "ET", "GH", "RW"], "sw"),
    **dict.fromkeys(["IN", "NP"], "hi"),
    **dict.fromkeys(["PK", "BD"], "ur"),
    **dict.fromkeys(["ID", "MY"], "id"),
    **dict.fromkeys(["NL", "BE"], "nl"),
    "SE": "nordic",
}  # fmt: skip

COUNTRY_NAMES = {"PS": "Palestine", "KR": "the Republic of Korea", "US": "the United States",
                 "GB": "the United Kingdom", "AE": "the United Arab Emirates",
                 "PH": "the Philippines", "NL": "the Netherlands"}  # fmt: skip


@dataclass(frozen=True)
class Theme:
    """What an initiative is about; the section texts are written from these parts."""

    key: str
    titles: tuple[str, ...]  # "{city}" is replaced
    domains: tuple[str, ...]
    sdgs: tuple[int, ...]
    problem: str
    approach: str
    novelty: str
    kind: str  # "revolutionary" or "evolutionary"
    steps: tuple[str, ...]
    metrics: tuple[tuple[str, int, int], ...]  # ("{n} households ...", low, high)
    beneficiaries: str
    partners: tuple[str, ...]  # "{city}" and "{country}" are replaced
    nua: str  # the New Urban Agenda commitment it serves


THEMES = [
    Theme(
        "care",
        (
            "{city} Care Blocks: services for unpaid carers close to home",
            "{city} District Care System: time back for the women who care",
        ),
        ("social", "governance"),
        (5, 10, 1, 3),
        "unpaid care work, done overwhelmingly by women, kept tens of thousands of residents "
        "out of education, paid work and rest",
        "groups public services for carers (training, respite, laundry, legal advice, "
        "exercise) in 'care blocks' within a 20-minute walk of home, while trained staff look "
        "after the people they care for",
        "care is treated as a public service planned into the city's map, with several "
        "departments delivering it together in the same places",
        "revolutionary",
        (
            "mapped where carers live and the public buildings nearby",
            "agreed a joint service package between eight municipal departments",
            "opened the first care blocks and mobile care buses for rural districts",
            "wrote the care system into the land-use plan so that it outlasts this administration",
        ),
        (
            ("{n:,} carers used at least one service", 20_000, 400_000),
            ("{n} care blocks and mobile units in operation", 5, 24),
            ("{n:,} carers completed primary or secondary education", 800, 12_000),
        ),
        "women carers and the children, older people and persons with disabilities they care for",
        (
            "UN Women",
            "{city} Chamber of Commerce",
            "Universidad de los Andes",
            "local women's organisations",
        ),
        "gender-responsive planning and equal access to public services (paragraphs 13 and 34)",
    ),
    Theme(
        "participatory_budget",
        (
            "Neighbourhood decides: participatory budgeting in {city}",
            "{city} Citizens' Budget on a mobile app",
        ),
        ("governance", "technology"),
        (16, 11, 10),
        "residents had little say over public works and trust in the local government was low",
        "sets aside part of the capital budget each year for projects proposed and chosen by "
        "residents, with neighbourhood assemblies and voting on a mobile app and in kiosks",
        "the vote is open from age 14, results are binding, and every project's progress is "
        "public on a map",
        "evolutionary",
        (
            "passed a by-law that reserves 5 per cent of the capital budget",
            "trained facilitators from community organisations",
            "ran assemblies in every district and an online and kiosk vote",
            "published the progress of every chosen project on an open map",
        ),
        (
            ("{n:,} residents voted in the last round", 15_000, 260_000),
            ("{n} resident-proposed projects completed", 40, 420),
            ("turnout among young people rose by {n} per cent", 12, 60),
        ),
        "residents of under-served neighbourhoods and young people",
        (
            "{city} Federation of Neighbourhood Associations",
            "Open Government Partnership",
            "University of {city}",
        ),
        "participatory, accountable governance (paragraphs 41 and 92)",
    ),
    Theme(
        "sponge_city",
        (
            "Sponge {city}: nature-based flood management",
            "Green streets and rain gardens against urban flooding in {city}",
        ),
        ("environmental",),
        (11, 13, 6, 15),
        "heavier rainstorms flooded low-lying neighbourhoods almost every year, while the "
        "drainage system was designed for a climate that no longer exists",
        "retrofits streets, parks and school yards with permeable paving, rain gardens, "
        "wetlands and retention ponds that soak up and store storm water",
        "flood protection is delivered through green public space planned with residents "
        "instead of through larger pipes",
        "evolutionary",
        (
            "modelled flood risk street by street with the national weather service",
            "chose pilot catchments with residents",
            "retrofitted streets, school yards and parks",
            "made sponge measures mandatory in new developments",
        ),
        (
            ("{n} hectares of sealed surface made permeable", 20, 600),
            ("flood incidents in pilot areas fell by {n} per cent", 30, 85),
            ("{n:,} trees planted along green streets", 2_000, 60_000),
        ),
        "residents of flood-prone, mostly low-income neighbourhoods",
        (
            "Tongji University",
            "{country} Meteorological Service",
            "C40 Cities",
            "local residents' committees",
        ),
        "resilience to disasters and climate change (paragraphs 65 and 77)",
    ),
    Theme(
        "upgrading",
        (
            "Upgrading informal settlements with their residents in {city}",
            "{city} Community-led settlement upgrading programme",
        ),
        ("social", "governance"),
        (1, 6, 11),
        "one in four residents lived in informal settlements without secure tenure, "
        "drainage or sanitation",
        "upgrades settlements in place: residents map their own neighbourhoods, choose "
        "priorities, and the city brings water, sanitation, paths and tenure certificates",
        "community mapping data becomes the official base for planning and land titles",
        "evolutionary",
        (
            "trained residents to map plots, paths and services",
            "signed partnership agreements with each settlement committee",
            "built water, sanitation and drainage in phases",
            "issued occupancy certificates to households",
        ),
        (
            ("{n:,} households with piped water", 1_500, 45_000),
            ("{n:,} occupancy certificates issued", 500, 20_000),
            ("{n} settlements mapped by their residents", 8, 120),
        ),
        "households in informal settlements, many headed by women",
        ("Slum Dwellers International", "UN-Habitat", "University of {city}"),
        "adequate housing and upgrading of informal settlements (paragraphs 31 and 109)",
    ),
    Theme(
        "digital_twin",
        ("A digital twin for planning {city} together", "{city} 3D city model open to residents"),
        ("technology", "governance"),
        (9, 11, 16),
        "planning decisions were made on outdated maps and residents could not see what a "
        "project would change",
        "builds a 3D model of the city from open data and sensor feeds that planners, "
        "utilities and residents use to test projects before they are built",
        "the model is open source and residents can comment on proposals inside it",
        "revolutionary",
        (
            "surveyed the city with aerial imagery",
            "merged data from twelve departments and utilities",
            "opened the model to the public with a comment tool",
            "used it in every large planning consultation",
        ),
        (
            ("{n} planning decisions tested in the model", 30, 400),
            ("{n:,} resident comments collected", 3_000, 80_000),
            ("approval time for permits cut by {n} per cent", 15, 55),
        ),
        "residents taking part in planning and the city's planners",
        (
            "Technical University of Munich",
            "{city} Open Data Association",
            "national mapping agency",
        ),
        "smart-city approaches serving people (paragraph 66)",
    ),
    Theme(
        "circular_markets",
        (
            "From market waste to compost: circular food markets in {city}",
            "{city} Zero-Waste Markets",
        ),
        ("environmental", "economic"),
        (12, 11, 8),
        "municipal markets produced hundreds of tonnes of organic waste a month, most of it dumped",
        "collects organic waste separately in every market, composts it in small plants run "
        "by cooperatives, and sells compost to urban farms",
        "waste pickers are hired as cooperative members, turning a cost into jobs",
        "evolutionary",
        (
            "audited the waste of every municipal market",
            "set up separate collection with vendors",
            "built compost plants with cooperatives",
            "signed purchase agreements with urban farms",
        ),
        (
            ("{n:,} tonnes of organic waste composted a year", 900, 40_000),
            ("{n} cooperative jobs created", 25, 600),
            ("landfill costs fell by {n} per cent", 10, 45),
        ),
        "market vendors and waste pickers",
        (
            "{city} Market Vendors' Association",
            "Ellen MacArthur Foundation",
            "local waste pickers' cooperative",
        ),
        "sustainable consumption and waste management (paragraph 74)",
    ),
    Theme(
        "safe_transit",
        (
            "Safe journeys: women-friendly public transport in {city}",
            "{city} bus network redesign for safe, accessible travel",
        ),
        ("social", "environmental"),
        (11, 5, 3),
        "women and girls avoided buses at night and the network did not serve trips of care",
        "redesigns bus routes around trips to schools, clinics and markets, adds lighting and "
        "help points at stops and a 'stop on request' service after dark",
        "routes were designed from travel diaries kept by women and girls",
        "evolutionary",
        (
            "collected travel diaries from women across the city",
            "redrew the bus network",
            "lit and equipped stops, trained drivers",
            "introduced night stops on request",
        ),
        (
            ("ridership by women rose by {n} per cent", 8, 40),
            ("{n:,} stops lit and fitted with help points", 200, 4_000),
            ("reported harassment fell by {n} per cent", 15, 60),
        ),
        "women, girls and older people who depend on buses",
        ("{city} Public Transport Company", "UN Women", "Sciences Po Urban School"),
        "safe, accessible, gender-responsive mobility (paragraph 114)",
    ),
    Theme(
        "heat",
        (
            "{city} Heat Action Plan: cool roofs and early warnings",
            "Keeping {city} cool: a city-wide heat resilience plan",
        ),
        ("environmental", "social"),
        (3, 13, 11),
        "heat waves had become longer and deadlier, hitting outdoor workers and people in "
        "crowded housing hardest",
        "combines heat alerts by text message, cooling centres, changed working hours for "
        "outdoor workers and white reflective roofs on low-income homes",
        "the alert levels trigger pre-agreed actions in hospitals, schools and workplaces",
        "evolutionary",
        (
            "analysed mortality and temperature data with health researchers",
            "defined alert levels and who acts at each",
            "painted roofs white with residents",
            "opened cooling centres in public buildings",
        ),
        (
            ("{n:,} roofs cooled", 3_000, 120_000),
            ("indoor temperatures fell by up to {n} °C", 2, 6),
            ("heat-related hospital admissions fell by {n} per cent", 10, 40),
        ),
        "outdoor workers, older people and families in informal housing",
        (
            "{country} Meteorological Service",
            "Natural Resources Defense Council",
            "public health institute",
        ),
        "resilience and health (paragraphs 55 and 67)",
    ),
    Theme(
        "energy_coop",
        (
            "{city} Energy Community: rooftop solar owned by residents",
            "Solar on every public roof in {city}",
        ),
        ("environmental", "economic"),
        (7, 13, 11),
        "energy bills took a large share of low-income budgets while public roofs stayed unused",
        "installs solar panels on public buildings and lets residents buy shares in a "
        "municipal energy cooperative that sells the power locally",
        "low-income households receive shares paid from the cooperative's first earnings",
        "evolutionary",
        (
            "surveyed every public roof",
            "founded the energy cooperative with the municipal utility",
            "installed panels in three phases",
            "opened shares to residents, with free shares for low-income households",
        ),
        (
            ("{n} MW of solar capacity installed", 2, 80),
            ("{n:,} resident shareholders", 400, 15_000),
            ("{n:,} tonnes of CO2 avoided a year", 1_500, 60_000),
        ),
        "low-income households and public schools",
        (
            "KTH Royal Institute of Technology",
            "{city} Municipal Utility",
            "European Investment Bank",
        ),
        "affordable, clean energy (paragraph 75)",
    ),
    Theme(
        "street_vendors",
        (
            "Street vendors as partners: licensing and social protection in {city}",
            "{city} Vending Zones",
        ),
        ("economic", "governance"),
        (8, 1, 10),
        "street vendors were routinely evicted and fined, losing income and goods",
        "registers vendors, designs vending zones with them, and enrols them in health "
        "insurance and savings schemes",
        "vendors sit on the committee that manages public space",
        "evolutionary",
        (
            "counted and registered vendors with their associations",
            "designed vending zones street by street",
            "enrolled vendors in social protection",
            "set up a joint committee for disputes",
        ),
        (
            ("{n:,} vendors registered", 2_000, 60_000),
            ("{n:,} vendors enrolled in health insurance", 800, 30_000),
            ("evictions fell by {n} per cent", 40, 95),
        ),
        "street vendors and their families",
        ("WIEGO", "Indian Institute for Human Settlements", "{city} Street Vendors' Federation"),
        "inclusive urban economies (paragraph 59)",
    ),
    Theme(
        "open_contracting",
        (
            "Open contracting: every public contract of {city} online",
            "{city} Transparent Procurement Portal",
        ),
        ("governance", "technology"),
        (16, 12),
        "procurement was slow, opaque and regularly disputed",
        "publishes every stage of every public contract as open data and lets residents and "
        "companies follow and flag them",
        "red-flag algorithms alert auditors to unusual contracts",
        "evolutionary",
        (
            "adopted the Open Contracting Data Standard",
            "moved all procurement to an e-procurement platform",
            "trained journalists and business associations to use the data",
            "built red-flag alerts with the city auditor",
        ),
        (
            ("{n:,} contracts published", 5_000, 90_000),
            ("average number of bidders rose from 2 to {n}", 3, 7),
            ("procurement time cut by {n} per cent", 15, 50),
        ),
        "residents, local businesses and auditors",
        (
            "Open Contracting Partnership",
            "Transparency International",
            "{city} Chamber of Commerce",
        ),
        "transparent, accountable institutions (paragraph 92)",
    ),
    Theme(
        "green_jobs",
        ("Green jobs for young people in {city}", "{city} Youth Climate Corps"),
        ("economic", "social", "environmental"),
        (8, 4, 13),
        "youth unemployment was twice the city average",
        "hires and trains unemployed young people for a year to retrofit buildings, plant "
        "trees and maintain parks, leading to certified skills",
        "the training is paid and certified, and employers commit to interviews",
        "evolutionary",
        (
            "designed the curriculum with vocational schools",
            "recruited young people through community centres",
            "ran work placements on city projects",
            "signed hiring pledges with employers",
        ),
        (
            ("{n:,} young people trained", 300, 9_000),
            ("{n} per cent in work or study a year later", 55, 85),
            ("{n:,} homes retrofitted", 200, 8_000),
        ),
        "unemployed young people",
        (
            "International Labour Organization",
            "{city} Vocational College",
            "local employers' federation",
        ),
        "decent work and youth (paragraph 57)",
    ),
    Theme(
        "telemedicine",
        (
            "Health at home: community health workers and telemedicine in {city}",
            "{city} Neighbourhood Health Teams",
        ),
        ("social", "technology"),
        (3, 10),
        "older and chronically ill residents of outer districts lived hours from a doctor",
        "trains community health workers who visit homes with tablets connected to doctors "
        "at municipal clinics",
        "visits are scheduled from a risk register built with hospitals",
        "evolutionary",
        (
            "built a risk register with hospitals",
            "trained community health workers",
            "equipped them with tablets and diagnostic kits",
            "connected clinics for remote consultations",
        ),
        (
            ("{n:,} residents visited regularly", 4_000, 90_000),
            ("emergency admissions fell by {n} per cent", 8, 35),
            ("{n:,} remote consultations", 10_000, 300_000),
        ),
        "older people and chronically ill residents",
        (
            "World Health Organization",
            "{city} University Hospital",
            "community health workers' association",
        ),
        "access to health services (paragraph 55)",
    ),
    Theme(
        "school_streets",
        ("School streets: safe and clean air for children in {city}", "A child-friendly {city}"),
        ("social", "environmental"),
        (3, 4, 11),
        "children breathed polluted air and faced heavy traffic on their way to school",
        "closes the streets in front of schools to cars at drop-off and pick-up times and "
        "turns them into play spaces",
        "children co-designed the streets and measure air quality themselves",
        "evolutionary",
        (
            "measured air quality and traffic around schools with pupils",
            "tested closures with temporary barriers",
            "redesigned the streets permanently",
            "extended the programme to every primary school",
        ),
        (
            ("{n} school streets created", 10, 250),
            ("nitrogen dioxide fell by {n} per cent near schools", 10, 40),
            ("{n} per cent more children walk or cycle to school", 8, 35),
        ),
        "school children and their families",
        ("UNICEF", "Bernard van Leer Foundation", "parents' associations"),
        "safe public space for children (paragraph 37)",
    ),
    Theme(
        "migrants",
        ("One-stop centres for migrants and refugees in {city}", "{city} Welcome Centres"),
        ("social", "governance"),
        (10, 16, 8),
        "newcomers had to visit a dozen offices to register, find work and enrol their children",
        "brings registration, language classes, job placement and legal advice into "
        "neighbourhood one-stop centres",
        "services are offered regardless of status, with cultural mediators from migrant "
        "communities",
        "evolutionary",
        (
            "mapped every service newcomers need",
            "opened centres in the neighbourhoods where they settle",
            "hired cultural mediators",
            "linked the centres with employers",
        ),
        (
            ("{n:,} newcomers served", 3_000, 70_000),
            ("{n:,} found work through the centres", 500, 12_000),
            ("registration time cut from weeks to {n} days", 1, 7),
        ),
        "migrants, refugees and displaced people",
        ("UNHCR", "International Organization for Migration", "Red Crescent Society"),
        "inclusion of migrants and refugees (paragraph 28)",
    ),
    Theme(
        "urban_farming",
        (
            "Urban farms on vacant land in {city}",
            "{city} Grows: community gardens for food security",
        ),
        ("environmental", "economic", "social"),
        (2, 11, 12),
        "many households were food insecure while vacant plots collected rubbish",
        "leases vacant public and private land to community groups for farming, with seeds, "
        "training and a market for the produce",
        "landowners get tax relief for lending land",
        "evolutionary",
        (
            "inventoried vacant plots",
            "created a tax incentive for lending land",
            "trained growers and set up seed banks",
            "opened farmers' markets in public squares",
        ),
        (
            ("{n} hectares farmed", 10, 300),
            ("{n:,} households grow food", 800, 25_000),
            ("{n:,} tonnes of produce a year", 100, 6_000),
        ),
        "food-insecure households",
        (
            "Food and Agriculture Organization",
            "Milan Urban Food Policy Pact",
            "{city} Community Gardens Network",
        ),
        "food security and urban-rural linkages (paragraph 123)",
    ),
    Theme(
        "early_warning",
        (
            "Multi-hazard early warning for {city}",
            "{city} Resilience Room: one early-warning system for floods, landslides and heat",
        ),
        ("technology", "environmental"),
        (13, 11, 1),
        "floods and landslides struck with little warning, and agencies did not share data",
        "links river gauges, rain radar and landslide sensors into one control room that "
        "sends alerts by text, radio and sirens",
        "neighbourhood volunteers confirm alerts on the ground within minutes",
        "evolutionary",
        (
            "installed sensors in the river basins",
            "built a shared control room with emergency services",
            "trained neighbourhood volunteers",
            "ran evacuation drills in every risk zone",
        ),
        (
            ("{n:,} residents reached by alerts", 50_000, 2_000_000),
            ("{n} minutes' average warning before floods", 30, 240),
            ("no deaths in {n} major floods since launch", 2, 9),
        ),
        "residents of risk zones",
        ("The University of Tokyo", "{country} Red Cross", "UN Office for Disaster Risk Reduction"),
        "disaster risk reduction (paragraph 77)",
    ),
    Theme(
        "river",
        (
            "Bringing back the river: restoring {city}'s urban waterways",
            "A river for everyone in {city}",
        ),
        ("environmental", "social"),
        (6, 15, 11),
        "the river was buried under concrete, polluted and cut off from residents",
        "removes concrete channels, treats sewage before it reaches the river and builds a "
        "public park along both banks",
        "a river trust with residents manages the banks",
        "evolutionary",
        (
            "stopped sewage outflows into the river",
            "removed concrete channels over several kilometres",
            "built parks and paths along the banks",
            "set up a river trust with residents",
        ),
        (
            ("{n} km of river restored", 2, 30),
            ("{n} fish and bird species returned", 8, 60),
            ("{n:,} visitors a year on the new banks", 100_000, 3_000_000),
        ),
        "residents along the river",
        ("Global Water Partnership", "UNESCO", "{city} Environmental Institute"),
        "ecosystem restoration and public space (paragraphs 67 and 71)",
    ),
    Theme(
        "land_trust",
        (
            "A community land trust for affordable homes in {city}",
            "{city} Affordable Housing Land Bank",
        ),
        ("social", "economic"),
        (11, 1, 10),
        "rents had doubled in a decade and families were being pushed out of the centre",
        "transfers public land to a community land trust that builds homes kept affordable "
        "for good",
        "residents sit on the trust's board and the land can never be sold",
        "evolutionary",
        (
            "identified public land for housing",
            "founded the community land trust",
            "built the first homes with a housing cooperative",
            "wrote affordability rules into the trust's statutes",
        ),
        (
            ("{n:,} affordable homes built or under way", 100, 6_000),
            ("rents at {n} per cent of the market level", 40, 70),
            ("{n:,} people housed", 300, 18_000),
        ),
        "families on low and middle incomes",
        ("UN-Habitat", "{city} Housing Cooperative Federation", "World Bank"),
        "adequate and affordable housing (paragraph 31)",
    ),
    Theme(
        "smart_water",
        (
            "Every drop counts: smart water network in {city}",
            "{city} cuts water losses with smart meters",
        ),
        ("technology", "environmental"),
        (6, 9),
        "nearly half the water produced was lost to leaks and illegal connections",
        "installs smart meters and pressure sensors that find leaks in hours instead of "
        "months, and regularises informal connections with social tariffs",
        "social tariffs make regularisation cheaper than illegal connections",
        "evolutionary",
        (
            "divided the network into metered zones",
            "installed smart meters and sensors",
            "trained repair crews on the new data",
            "introduced social tariffs for poor households",
        ),
        (
            ("non-revenue water fell from 45 to {n} per cent", 18, 32),
            ("{n:,} households regularised", 2_000, 60_000),
            ("{n:,} m³ of water saved a day", 5_000, 150_000),
        ),
        "households without a reliable water supply",
        (
            "{city} Water and Sewerage Company",
            "International Water Association",
            "African Development Bank",
        ),
        "universal access to water (paragraph 119)",
    ),
    Theme(
        "women_enterprise",
        (
            "{city} Women Entrepreneurs Fund",
            "Credit and mentoring for women-led businesses in {city}",
        ),
        ("economic", "social"),
        (5, 8, 1),
        "women-led businesses could not get credit and stayed informal",
        "offers small loans without collateral, mentoring and public procurement quotas for "
        "women-led businesses",
        "repayments refill the fund, and 10 per cent of city purchases are reserved for "
        "women-led firms",
        "evolutionary",
        (
            "set up the fund with a local bank",
            "trained mentors from business associations",
            "reserved procurement for women-led firms",
            "followed every business for three years",
        ),
        (
            ("{n:,} women-led businesses financed", 300, 12_000),
            ("repayment rate of {n} per cent", 88, 98),
            ("{n:,} jobs created", 500, 20_000),
        ),
        "women entrepreneurs",
        ("UN Women", "{city} Chamber of Commerce", "local microfinance bank"),
        "gender equality in the urban economy (paragraph 57)",
    ),
    Theme(
        "e_services",
        ("{city} One-Stop Digital Service Centre", "All municipal services on one app in {city}"),
        ("technology", "governance"),
        (16, 9, 10),
        "residents queued for hours for permits, certificates and payments",
        "brings 300 municipal services into one app and neighbourhood service points with "
        "staff who help those without a smartphone",
        "services are redesigned with users before they are digitised",
        "evolutionary",
        (
            "mapped every municipal service with users",
            "redesigned and digitised the most used services",
            "opened assisted service points",
            "published service times and satisfaction data",
        ),
        (
            ("{n} services online", 80, 450),
            ("average waiting time cut from 3 hours to {n} minutes", 5, 30),
            ("{n:,} users a month", 20_000, 900_000),
        ),
        "all residents, especially those far from the city centre",
        (
            "Seoul National University",
            "{country} Digital Government Agency",
            "local civic tech community",
        ),
        "effective and inclusive public services (paragraph 156)",
    ),
    Theme(
        "creative_district",
        ("Heritage and creative economy in {city}'s old town", "{city} Creative District"),
        ("social", "economic"),
        (11, 8, 4),
        "the historic centre was emptying, its buildings decaying and its craftspeople leaving",
        "restores historic buildings as low-rent studios for artists and craftspeople and "
        "runs cultural programmes with residents",
        "residents curate the programme and rents are capped for local makers",
        "evolutionary",
        (
            "surveyed historic buildings and crafts",
            "restored the first buildings as studios",
            "launched festivals and craft schools",
            "capped rents for local makers",
        ),
        (
            ("{n} historic buildings restored", 10, 150),
            ("{n:,} cultural jobs created", 200, 6_000),
            ("visitors rose by {n} per cent", 20, 120),
        ),
        "craftspeople, artists and residents of the old town",
        ("UNESCO", "{city} Academy of Fine Arts", "Sciences Po Urban School"),
        "culture and heritage in sustainable development (paragraph 38)",
    ),
    Theme(
        "zero_waste_schools",
        ("Zero-waste schools in {city}", "{city} schools say no to single-use plastic"),
        ("environmental", "social"),
        (12, 14, 4),
        "plastic waste from schools and markets clogged drains and reached the sea",
        "helps every school sort its waste, ban single-use plastic and run repair and "
        "reuse clubs, with pupils as waste monitors",
        "pupils audit their schools' waste and report to the city council",
        "evolutionary",
        (
            "audited waste in pilot schools",
            "trained teachers and pupil monitors",
            "replaced single-use plastic in canteens",
            "extended the programme to all schools",
        ),
        (
            ("{n} schools certified zero-waste", 20, 400),
            ("school waste fell by {n} per cent", 25, 70),
            ("{n:,} pupils involved", 5_000, 200_000),
        ),
        "pupils, teachers and families",
        ("UN Environment Programme", "{city} Education Department", "Break Free From Plastic"),
        "sustainable consumption and education (paragraph 74)",
    ),
    Theme(
        "cycling",
        ("{city} Bike Network: 200 km of protected cycle lanes", "Cycling for everyone in {city}"),
        ("environmental", "social"),
        (11, 3, 13),
        "traffic jams, air pollution and road deaths rose with car ownership",
        "builds a network of protected cycle lanes and a public bike-share, with free bikes "
        "and lessons for low-income residents",
        "lanes follow the trips of low-income workers, not only leisure routes",
        "evolutionary",
        (
            "mapped trips with mobile phone data",
            "built protected lanes in stages",
            "launched public bike-share",
            "gave bikes and lessons to low-income workers",
        ),
        (
            ("{n} km of protected cycle lanes", 40, 350),
            ("cycling trips rose by {n} per cent", 30, 250),
            ("road deaths fell by {n} per cent", 10, 45),
        ),
        "workers, students and commuters",
        (
            "Institute for Transportation and Development Policy",
            "{city} Cycling Association",
            "World Resources Institute",
        ),
        "sustainable mobility (paragraph 114)",
    ),
    Theme(
        "citizen_assembly",
        ("{city} Citizens' Assembly on the Climate", "A permanent citizens' assembly for {city}"),
        ("governance", "environmental"),
        (13, 16),
        "climate policies stalled for lack of public support",
        "invites residents chosen by lot to deliberate for several weekends and make "
        "recommendations the council must answer publicly",
        "the assembly is permanent and meets every year on a new topic",
        "evolutionary",
        (
            "drew members by lot to mirror the population",
            "held deliberation weekends with experts",
            "published the recommendations",
            "answered each recommendation in the council",
        ),
        (
            ("{n} recommendations adopted", 12, 60),
            ("{n} residents took part in the assemblies", 50, 300),
            ("public support for climate measures rose by {n} points", 5, 25),
        ),
        "all residents",
        ("Democracy R&D Network", "Sciences Po Urban School", "{city} Youth Council"),
        "participatory governance and climate action (paragraph 79)",
    ),
    Theme(
        "accessibility",
        (
            "An accessible {city} for persons with disabilities",
            "{city} Barrier-Free City programme",
        ),
        ("social",),
        (10, 11, 3),
        "persons with disabilities could not use most public buildings, pavements or buses",
        "audits and removes barriers street by street, with persons with disabilities paid "
        "as auditors",
        "persons with disabilities lead the audits and approve every design",
        "evolutionary",
        (
            "trained auditors with disabilities",
            "audited public buildings, pavements and stops",
            "removed barriers in priority areas",
            "made accessibility a condition for every building permit",
        ),
        (
            ("{n:,} barriers removed", 800, 20_000),
            ("{n} public buildings made fully accessible", 30, 500),
            ("{n} auditors with disabilities employed", 10, 90),
        ),
        "persons with disabilities and older people",
        (
            "{country} Federation of Persons with Disabilities",
            "World Blind Union",
            "University of {city}",
        ),
        "universal accessibility (paragraph 36)",
    ),
    Theme(
        "waste_pickers",
        ("Recognising waste pickers in {city}'s recycling system", "{city} Inclusive Recycling"),
        ("economic", "environmental"),
        (8, 12, 1),
        "thousands of informal waste pickers recycled most of the city's waste without "
        "pay, protection or recognition",
        "contracts waste-picker cooperatives for door-to-door collection, pays them per "
        "tonne and gives them sorting centres and protective equipment",
        "waste pickers are paid as a public service, not only through the sale of materials",
        "evolutionary",
        (
            "registered waste pickers and their cooperatives",
            "contracted cooperatives for door-to-door collection",
            "built sorting centres",
            "paid a service fee per tonne",
        ),
        (
            ("{n:,} waste pickers in cooperatives", 300, 8_000),
            ("recycling rate rose to {n} per cent", 18, 45),
            ("waste pickers' income rose by {n} per cent", 30, 150),
        ),
        "waste pickers and their families",
        ("WIEGO", "{city} Waste Pickers' Cooperative", "Inter-American Development Bank"),
        "inclusive waste management (paragraph 74)",
    ),
    Theme(
        "tree_canopy",
        ("Mapping and growing {city}'s urban forest with AI", "{city} Urban Forest Plan"),
        ("technology", "environmental"),
        (15, 13, 11),
        "the tree canopy was shrinking fastest in the hottest, poorest neighbourhoods",
        "maps every tree from satellite and street images with machine learning and plants "
        "where the canopy is thinnest",
        "residents adopt trees through an app that tells them when to water",
        "revolutionary",
        (
            "mapped every tree with machine learning",
            "ranked neighbourhoods by heat and canopy",
            "planted with residents who adopted trees",
            "opened the tree map to the public",
        ),
        (
            ("{n:,} trees planted", 10_000, 300_000),
            ("canopy cover rose by {n} points in priority areas", 2, 9),
            ("{n:,} trees adopted by residents", 2_000, 60_000),
        ),
        "residents of hot, low-canopy neighbourhoods",
        ("World Resources Institute", "{city} Botanical Garden", "Google Environmental Insights"),
        "green public space and climate adaptation (paragraph 67)",
    ),
    Theme(
        "libraries",
        ("Libraries as digital hubs in {city}", "{city} Neighbourhood Knowledge Centres"),
        ("social", "technology"),
        (4, 9, 10),
        "many residents had no internet at home and no digital skills",
        "turns public libraries into digital hubs with free internet, devices on loan and "
        "classes for all ages",
        "libraries lend laptops and hotspots like books",
        "evolutionary",
        (
            "upgraded library connections",
            "bought devices to lend",
            "trained librarians as digital coaches",
            "ran classes for older people and jobseekers",
        ),
        (
            ("{n:,} residents trained in digital skills", 5_000, 150_000),
            ("{n:,} devices lent", 1_000, 40_000),
            ("library visits rose by {n} per cent", 20, 90),
        ),
        "residents without internet or digital skills",
        ("IFLA", "{city} Public Library", "local telecom operator"),
        "inclusive digital access (paragraph 156)",
    ),
    Theme(
        "land_value",
        (
            "Financing {city}'s metro with land value capture",
            "Transit-oriented development in {city}",
        ),
        ("economic", "governance"),
        (11, 17, 9),
        "the city could not finance public transport from its own budget",
        "captures part of the rise in land value around new metro stations through "
        "development charges and reinvests it in transit and public space",
        "affordable housing is required in every development near stations",
        "evolutionary",
        (
            "mapped land values around planned stations",
            "passed development charges",
            "built mixed-use developments with affordable housing",
            "reinvested revenue in transit",
        ),
        (
            ("{n} per cent of the metro financed from land value", 10, 45),
            ("{n:,} affordable homes near stations", 200, 8_000),
            ("public transport trips rose by {n} per cent", 10, 60),
        ),
        "commuters and residents near new stations",
        ("World Bank", "Lincoln Institute of Land Policy", "{city} Metro Corporation"),
        "municipal finance and land value sharing (paragraph 137)",
    ),
    Theme(
        "ageing",
        (
            "Ageing in place: intergenerational homes in {city}",
            "{city} Age-Friendly Neighbourhoods",
        ),
        ("social",),
        (3, 11, 10),
        "a fast-ageing population lived alone in homes unsuited to old age",
        "adapts homes, pairs older residents with students who live with them at low rent, "
        "and opens neighbourhood day centres",
        "students pay less rent in exchange for company and help",
        "evolutionary",
        (
            "surveyed older residents living alone",
            "adapted homes with grab bars, ramps and lighting",
            "matched older residents and students",
            "opened day centres",
        ),
        (
            ("{n:,} homes adapted", 500, 20_000),
            ("{n:,} intergenerational pairs", 100, 3_000),
            ("loneliness scores fell by {n} per cent", 10, 40),
        ),
        "older residents and students",
        (
            "WHO Global Network for Age-friendly Cities",
            "University of {city}",
            "older people's associations",
        ),
        "inclusive cities for all ages (paragraph 34)",
    ),
    Theme(
        "air_quality",
        ("Clean air for {city}: a low-cost sensor network", "{city} Air Quality Action Plan"),
        ("technology", "environmental"),
        (3, 11),
        "air pollution exceeded safe levels on most days but was measured at only two stations",
        "installs hundreds of low-cost sensors at schools and clinics, publishes live data and "
        "acts on the worst hotspots",
        "schools host and maintain the sensors, and data triggers traffic measures",
        "evolutionary",
        (
            "calibrated low-cost sensors against reference stations",
            "installed sensors at schools and clinics",
            "published live data",
            "restricted traffic at hotspots",
        ),
        (
            ("{n} sensors installed", 80, 1_200),
            ("PM2.5 levels fell by {n} per cent at hotspots", 8, 35),
            ("{n:,} daily users of the air-quality app", 5_000, 250_000),
        ),
        "children, older people and residents near busy roads",
        ("UN Environment Programme", "Clean Air Fund", "{city} Technical University"),
        "health and the urban environment (paragraph 55)",
    ),
    Theme(
        "food_bank",
        ("Food rescue platform: from surplus to plates in {city}", "{city} Food Sharing Network"),
        ("social", "technology"),
        (2, 12),
        "tonnes of edible food were thrown away each day while families went hungry",
        "connects supermarkets, restaurants and markets with food banks through an app "
        "that schedules pick-ups by volunteers",
        "the app matches surplus and need in real time",
        "evolutionary",
        (
            "signed agreements with food businesses",
            "built the matching app",
            "recruited volunteer drivers",
            "opened community fridges",
        ),
        (
            ("{n:,} tonnes of food rescued", 500, 20_000),
            ("{n:,} meals a month", 20_000, 900_000),
            ("{n} food businesses taking part", 40, 900),
        ),
        "food-insecure families",
        ("Global FoodBanking Network", "{city} Food Bank", "local supermarket chains"),
        "food security (paragraph 123)",
    ),
    Theme(
        "street_lighting",
        (
            "Solar street lighting for safer neighbourhoods in {city}",
            "Lighting up {city}'s informal settlements",
        ),
        ("social", "environmental"),
        (7, 11, 5),
        "informal neighbourhoods were unlit at night, unsafe especially for women",
        "installs solar street lights chosen and maintained by neighbourhood committees",
        "committees chose the sites on night-time walks with women and girls",
        "evolutionary",
        (
            "held night walks with women and girls",
            "chose sites with neighbourhood committees",
            "installed solar lights",
            "trained local technicians for maintenance",
        ),
        (
            ("{n:,} solar street lights installed", 500, 15_000),
            ("reported night-time crime fell by {n} per cent", 15, 50),
            ("{n} local technicians trained", 20, 300),
        ),
        "residents of unlit neighbourhoods, especially women",
        ("UN-Habitat", "{city} Electricity Company", "local women's groups"),
        "safe public space and clean energy (paragraph 39)",
    ),
    Theme(
        "coastal",
        ("Mangroves and living shorelines for {city}", "{city} Coastal Resilience Programme"),
        ("environmental",),
        (14, 13, 15),
        "storm surges and erosion threatened coastal neighbourhoods and fishing livelihoods",
        "replants mangroves and builds living shorelines with fishing communities, who are "
        "paid to plant and monitor",
        "fishing communities are paid for the ecosystem services they maintain",
        "evolutionary",
        (
            "mapped erosion and surge risk",
            "agreed planting plans with fishing communities",
            "planted mangroves and built living shorelines",
            "paid communities for monitoring",
        ),
        (
            ("{n} hectares of mangroves replanted", 20, 900),
            ("shoreline erosion fell by {n} per cent", 20, 70),
            ("{n:,} fishing households earning from restoration", 100, 5_000),
        ),
        "coastal and fishing communities",
        ("Wetlands International", "{country} Marine Institute", "local fishing cooperatives"),
        "coastal resilience (paragraph 65)",
    ),
    Theme(
        "green_bond",
        (
            "{city}'s first green municipal bond",
            "Financing climate action through a green bond in {city}",
        ),
        ("economic", "governance", "environmental"),
        (13, 17, 11),
        "the city's climate plan had no money to carry it out",
        "issues a certified green bond on the domestic market to finance transit, energy "
        "efficiency and flood defences, with yearly impact reports",
        "the first green bond by a city in the country, with residents able to buy small "
        "denominations",
        "revolutionary",
        (
            "obtained a credit rating",
            "drew up a green bond framework with external review",
            "issued the bond, including a retail tranche",
            "published yearly impact reports",
        ),
        (
            ("bond of {n} million US dollars raised", 20, 500),
            ("{n} projects financed", 6, 40),
            ("{n:,} tonnes of CO2 avoided a year", 10_000, 300_000),
        ),
        "all residents",
        ("Climate Bonds Initiative", "C40 Cities Finance Facility", "{country} Stock Exchange"),
        "municipal finance for climate action (paragraph 137)",
    ),
]

INVALID_REASONS = [
    "The initiative is run by a private company; the local government is not its lead.",
    "The initiative ended in 2020, outside the two-year eligibility window.",
    "Most sections are empty and no evidence of results was provided.",
    "A national ministry runs this programme; the city government has no role in it.",
    "The application describes a plan that has not started yet; the award recognises "
    "initiatives that are under way or finished.",
    "The application is not in English and no translation was provided.",
]

SDG_TITLES = {
    1: "No poverty", 2: "Zero hunger", 3: "Good health and well-being", 4: "Quality education",
    5: "Gender equality", 6: "Clean water and sanitation", 7: "Affordable and clean energy",
    8: "Decent work and economic growth", 9: "Industry, innovation and infrastructure",
    10: "Reduced inequalities", 11: "Sustainable cities and communities",
    12: "Responsible consumption and production", 13: "Climate action",
    14: "Life below water", 15: "Life on land", 16: "Peace, justice and strong institutions",
    17: "Partnerships for the goals",
}  # fmt: skip


# --------------------------------------------------------------------------------------------
# Technical Committee reviews: short comments by criterion (in CRITERIA order) and score band

REVIEW_COMMENTS = [
    {  # Innovation
        "low": [
            "A familiar approach; the application does not say what is new for this city.",
            "Similar schemes are common elsewhere and the local adaptation is thin.",
        ],
        "mid": [
            "A known idea adapted with some care to local conditions.",
            "The governance model is newer than the technical solution itself.",
            "Original in its context, though the building blocks are well established.",
        ],
        "high": [
            "A genuinely new way of working between the city and its residents.",
            "Combines instruments in a way I have not seen in other entries.",
        ],
    },
    {  # Effectiveness
        "low": [
            "Outcomes are asserted rather than measured; no baseline is given.",
            "Too early to judge: the figures cover outputs, not results.",
        ],
        "mid": [
            "Some monitoring data, but no comparison group or baseline year.",
            "Results are promising for the first districts; scale-up is not yet evidenced.",
            "The evaluation is internal; an independent one would strengthen the case.",
        ],
        "high": [
            "Clear baseline and independent evaluation; the gains are well documented.",
            "Strong evidence over several years, with figures that hold up.",
        ],
    },
    {  # Replicability and transferability
        "low": [
            "Depends on conditions specific to this city; hard to transfer.",
            "Relies on one-off national funding that other cities would not have.",
        ],
        "mid": [
            "Transferable to cities of similar size, with adaptation.",
            "The method is documented, but the costs are not broken down.",
            "Peer cities could learn from it; a toolkit would help.",
        ],
        "high": [
            "Already adopted by other cities, which is the best evidence of transferability.",
            "Low cost and well documented: easy for others to adapt.",
        ],
    },
    {  # Significance and impact
        "low": [
            "A small pilot; the reach is limited so far.",
            "The number of people reached is modest for a city of this size.",
        ],
        "mid": [
            "Meaningful for the neighbourhoods involved; city-wide impact still to come.",
            "Reaches a good share of the target group.",
            "Significant locally, with some signs of lasting change in practice.",
        ],
        "high": [
            "Large-scale and lasting change for the residents most in need.",
            "Has changed how the city plans and budgets, not just one service.",
        ],
    },
    {  # Relevance to the SDGs and the New Urban Agenda
        "low": [
            "The link to the SDGs is stated but not shown.",
            "Relevance to the New Urban Agenda is only general.",
        ],
        "mid": [
            "Clear links to SDG 11 and one or two other goals.",
            "Contributes to several targets; indicators are not aligned with them.",
            "Relevant, though the application could say which targets it tracks.",
        ],
        "high": [
            "Directly advances several SDG targets, with indicators that match them.",
            "A textbook case of the New Urban Agenda's commitments on inclusion.",
        ],
    },
]

OVERALL_COMMENTS = {
    "low": [
        "A sincere effort, but the application does not yet make the case for an award.",
        "Worth following; it needs more evidence and a longer track record.",
        "Interesting idea at an early stage. I would encourage the city to apply again.",
    ],
    "mid": [
        "A solid initiative with clear local value; the evidence of impact is the weak point.",
        "Good practice that other cities could learn from, though not exceptional.",
        "Well presented and credible. Below the best entries on innovation.",
        "Promising, with a strong partnership model; results are still emerging.",
    ],
    "high": [
        "One of the strongest entries I have read: innovative, proven and transferable.",
        "Outstanding. I would recommend it for the shortlist.",
        "Excellent on every criterion; the evaluation data are convincing.",
    ],
}

PRIVATE_NOTES = [
    "Check the cost figures against the annual report.",
    "Compare with the similar entry from the same region.",
    "Reread the outcomes section before submitting.",
    "Ask the Secretariat whether the 2022 evaluation is available.",
]
