"""The simulated vendor's website and content: pages, downloadable assets, forms, e-mails."""

from __future__ import annotations

from typing import NamedTuple

from leadflow.demo.marketing import TOPICS
from leadflow.demo.vocabulary import VENDOR_NAME, VENDOR_SITE
from leadflow.demo.world import Month


class Page(NamedTuple):
    """A page of the vendor's site."""

    path: str
    title: str

    def properties(self) -> dict[str, str]:
        """A page_view's properties for this page."""
        return {"path": self.path, "url": VENDOR_SITE + self.path, "title": self.title}


class Asset(NamedTuple):
    """Gated content: a whitepaper, an e-book or a case study."""

    slug: str
    asset_type: str
    title: str


BLOG = (
    Page("/blog/what-is-data-governance", "What is data governance?"),
    Page("/blog/data-quality-metrics", "Seven data quality metrics that matter"),
    Page("/blog/modern-data-stack", "The modern data stack, explained"),
    Page("/blog/data-mesh-vs-lakehouse", "Data mesh vs lakehouse"),
    Page("/blog/gdpr-for-data-teams", "GDPR for data teams"),
    Page("/blog/sql-tips", "SQL tips for analysts"),
)
DOCS = (
    Page("/docs/getting-started", "Getting started"),
    Page("/docs/connectors/snowflake", "Snowflake connector"),
    Page("/docs/api", "API reference"),
    Page("/docs/lineage", "Column-level lineage"),
    Page("/docs/changelog", "Changelog"),
)
RESOURCES = (
    Page("/resources", "Resources"),
    Page("/resources/data-quality-checklist", "Data quality checklist"),
    Page("/resources/roi-calculator", "ROI calculator"),
)
HOME = (Page("/", f"{VENDOR_NAME}: data your whole company trusts"), Page("/about", "About us"))
PRODUCT = (
    Page("/product", "Product overview"),
    Page("/product/governance", "Governance"),
    Page("/product/quality", "Data quality monitoring"),
    Page("/product/pipelines", "Pipelines"),
    Page("/customers", "Customers"),
    Page("/customers/harborline-bank", "How Harborline Bank cut reporting time by 60%"),
    Page("/integrations", "Integrations"),
    Page("/security", "Security and compliance"),
    Page("/compare/dataforge", f"{VENDOR_NAME} vs DataForge"),
)
PRICING = (
    Page("/pricing", "Pricing"),
    Page("/pricing", "Pricing"),
    Page("/pricing", "Pricing"),
    Page("/pricing/enterprise", "Enterprise plan"),
)
CAREERS = (
    Page("/careers", "Careers"),
    Page("/careers", "Careers"),
    Page("/careers/senior-data-engineer", "Senior Data Engineer"),
    Page("/careers/account-executive-emea", "Account Executive, EMEA"),
    Page("/careers/product-designer", "Product Designer"),
    Page("/about/team", "Our team"),
)
LANDING = {
    "paid_search": "/lp/{topic}",
    "paid_social": "/lp/{topic}",
    "referral": "/partners",
    "contact_us": "/contact",
    "free_trial": "/trial",
}
ASSETS = (
    Asset("state-of-data-quality-2026", "whitepaper", "The State of Data Quality 2026"),
    Asset("data-governance-playbook", "ebook", "The Data Governance Playbook"),
    Asset("cloud-migration-guide", "ebook", "A Practical Guide to Cloud Migration"),
    Asset("harborline-bank-case-study", "case_study", "Harborline Bank: one source of truth"),
    Asset("ai-readiness-checklist", "whitepaper", "Is Your Data Ready for AI?"),
    Asset("retail-analytics-case-study", "case_study", "Real-time analytics at a retailer"),
    Asset("cost-of-bad-data", "ebook", "The Cost of Bad Data"),
)
# What each profile reads among blog, docs, resources and home pages.
_READING = {
    "student": (6, 2, 4, 1),
    "job_seeker": (3, 0.5, 0.5, 4),
    "competitor": (1, 6, 1, 1),
}
_DEFAULT_READING = (5, 2, 2, 2)
SEARCH_TERMS = (
    "data governance software",
    "data quality tool",
    "data lineage",
    "brightwave pricing",
    "data catalog",
    "dataforge alternative",
)
AD_CONTENT = ("carousel-customer-story", "video-demo-60s", "single-image-report")
FORMS = ("newsletter-signup", "gated-content", "event-registration", "contact-sales")


def reading_list(profile: str) -> tuple[tuple[Page, ...], tuple[float, ...]]:
    """The content pages and how often this profile reads each."""
    sections = (BLOG, DOCS, RESOURCES, HOME)
    shares = _READING.get(profile, _DEFAULT_READING)
    pages = tuple(page for section in sections for page in section)
    weights = tuple(
        share / len(section)
        for section, share in zip(sections, shares, strict=True)
        for _ in section
    )
    return pages, weights


def landing_page(source: str, campaign: str | None, u: float) -> Page:
    """Where a lead from a source lands before converting; `u` picks a blog post."""
    template = LANDING.get(source)
    if template is None:
        return BLOG[int(u * len(BLOG))]
    topic = next((topic for topic in TOPICS if campaign and topic in campaign), TOPICS[0])
    path = template.format(topic=topic)
    return Page(path, path.strip("/").replace("-", " ").replace("/", ": ").capitalize())


def email_campaign(month: Month, u: float) -> str:
    """The marketing e-mail a lead got in a month: the newsletter or a nurture e-mail."""
    if u < 0.5:
        return f"{month.year}-{month.month:02d}-newsletter"
    topic = TOPICS[int(u * 1_000) % len(TOPICS)]
    return f"nurture-{topic}-{month.month:02d}"
