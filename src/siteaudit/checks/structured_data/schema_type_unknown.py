"""`schema-type-unknown`: structured data uses common schema.org types."""

from siteaudit.checks.base import (
    CheckContext,
    Docs,
    Failed,
    Result,
    check,
    failed,
    not_applicable,
    passed,
)
from siteaudit.model import Category, Page, Severity

# Types Google documents rich results for, their usual parents and companions. Anything
# else may be valid schema.org but earns nothing in search; a misspelling earns less.
KNOWN = frozenset(
    """
    AboutPage Accommodation Action AdministrativeArea AggregateOffer AggregateRating Answer
    Apartment Article Attorney Audience AudioObject AutoDealer AutoRepair Bakery BarOrPub
    BeautySalon Blog BlogPosting Book Brand BreadcrumbList BusinessEvent CafeOrCoffeeShop Car
    CheckoutPage ChildCare City ClaimReview Clip ClothingStore CollectionPage
    CollegeOrUniversity Comment ContactPage ContactPoint Corporation Country Course
    CourseInstance CreativeWork CreativeWorkSeries DataCatalog DataDownload Dataset DaySpa
    DefinedTerm DefinedTermSet Dentist DiscussionForumPosting Duration EducationEvent
    EducationalOrganization Electrician EmployerAggregateRating EntryPoint Episode Event
    ExerciseGym FAQPage Festival FinancialService Flight FoodEstablishment GeoCoordinates
    GovernmentOrganization GroceryStore HairSalon HomeAndConstructionBusiness Hospital Hotel
    House HowTo HowToSection HowToStep HowToSupply HowToTool ImageObject Intangible Invoice
    ItemList ItemPage JobPosting Landmark Language LegalService ListItem LocalBusiness
    LodgingBusiness Map MediaObject MedicalClinic MedicalWebPage Menu MenuItem MenuSection
    MerchantReturnPolicy MobileApplication MonetaryAmount Movie MusicAlbum MusicEvent
    MusicGroup MusicRecording NGO NewsArticle NewsMediaOrganization NutritionInformation
    Occupation Offer OfferShippingDetails OnlineBusiness OnlineStore OpeningHoursSpecification
    Order Organization Periodical Person Physician Place Plumber Podcast PodcastEpisode
    PodcastSeries PostalAddress PriceSpecification Product ProductGroup ProductModel
    ProfessionalService ProfilePage PropertyValue PublicationIssue QAPage QuantitativeValue
    Question Quotation Rating ReadAction RealEstateAgent Recipe Report Reservation Residence
    Restaurant Review Room ScholarlyArticle School SearchAction SearchResultsPage Service
    ShippingDeliveryTime SiteNavigationElement SocialMediaPosting SoftwareApplication
    SpeakableSpecification SportsEvent SportsOrganization SportsTeam State Store
    StructuredValue TVSeries Table TechArticle Thing Ticket TouristAttraction TravelAgency Trip
    UnitPriceSpecification Vehicle VeterinaryCare VideoGame VideoObject VirtualLocation
    WPFooter WPHeader WPSideBar WebApplication WebPage WebPageElement WebSite
    """.split()  # noqa: SIM905 - a word list reads better than 200 quoted strings
)


@check(
    id="schema-type-unknown",
    category=Category.STRUCTURED_DATA,
    severity=Severity.INFO,
    title="Structured data uses common schema.org types",
    failure_title="Structured data uses an uncommon or unknown type",
    docs=Docs(
        what="Reports top-level items whose type is not in a list of about 200 common "
        "schema.org types (those with Google rich results and their usual companions), or "
        "that come from another vocabulary (such as the retired data-vocabulary.org).",
        why="A misspelt type ('Prodcut', 'Organisation') silently disables the markup; an "
        "obscure but valid type is fine, which is why this is only information.",
        fix="Check the spelling against schema.org; prefer the type Google documents for "
        "the feature you want.",
        references=("https://schema.org/docs/full.html",),
    ),
)
def schema_type_unknown(page: Page, ctx: CheckContext) -> Result:
    """One failure per unknown type of a top-level item."""
    if not page.structured_data:
        return not_applicable()
    failures: list[Failed] = []
    for item in page.structured_data:
        for kind in item.types:
            if kind not in KNOWN:
                failures.append(
                    failed(
                        f"The {item.syntax} type {kind!r} is not a common schema.org type.",
                        evidence=kind,
                        locator=f"{item.syntax} {kind}",
                    )
                )
    return failures or passed()
