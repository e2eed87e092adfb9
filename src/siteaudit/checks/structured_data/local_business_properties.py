"""`local-business-properties`: LocalBusiness markup has name, address and telephone."""

from siteaudit.checks.base import CheckContext, Docs, Result, check
from siteaudit.checks.structured_data._required import missing_properties
from siteaudit.model import Category, Page, Severity

TYPES = frozenset(
    {"LocalBusiness", "Store", "Restaurant", "CafeOrCoffeeShop", "BarOrPub", "Bakery",
     "Dentist", "Physician", "MedicalClinic", "Hotel", "LodgingBusiness", "AutoRepair",
     "AutoDealer", "HairSalon", "BeautySalon", "DaySpa", "LegalService", "Attorney",
     "RealEstateAgent", "HomeAndConstructionBusiness", "Plumber", "Electrician",
     "FinancialService", "FoodEstablishment", "ProfessionalService", "ExerciseGym",
     "ClothingStore", "GroceryStore", "TravelAgency", "ChildCare", "VeterinaryCare"}
)  # fmt: skip


@check(
    id="local-business-properties",
    category=Category.STRUCTURED_DATA,
    severity=Severity.MEDIUM,
    title="LocalBusiness markup is complete",
    failure_title="LocalBusiness markup lacks name, address or telephone",
    docs=Docs(
        what="For each top-level LocalBusiness item (and common subtypes such as Restaurant "
        "or Dentist), requires name and address (Google's required properties) and "
        "telephone (recommended, and the N-A-P triple local SEO relies on).",
        why="Name, address and phone (NAP) are what maps and local results show and "
        "cross-check with other listings; a business without them cannot be placed.",
        fix="Add name, a PostalAddress address and telephone to the LocalBusiness item, "
        "identical to the business profile.",
        references=(
            "https://developers.google.com/search/docs/appearance/structured-data/local-business",
        ),
    ),
)
def local_business_properties(page: Page, ctx: CheckContext) -> Result:
    """One failure per LocalBusiness item missing name, address or telephone."""
    return missing_properties(page, TYPES, ("name", "address", "telephone"))
