/**
 * The demo organisation, "Halcyon Pay" (a card-payments company), as static data. prisma/seed.ts turns it
 * into rows: named people are listed here; the rest of each team is generated from the name pools with a
 * seeded PRNG, so every fresh database gets the same organisation.
 *
 * People, NHIs and grants refer to each other by key: a person's key is the local part of their email
 * (`priya.nair`), an NHI's key is its display name, an entitlement's key is its name (`prod-db:superuser`).
 */
import type { IdentityKind, RevocationCause, RiskLevel } from "../server/db/generated/client";
import { DEMO_TARGET_DEFAULT_PORT, DEMO_TARGET_HOST } from "../server/demo-target/config";

export const COMPANY = { name: "Halcyon Pay", domain: "halcyon.example" } as const;

export const DEPARTMENTS = [
  "Executive",
  "Engineering",
  "Data",
  "Product",
  "Sales",
  "Customer Success",
  "Finance",
  "People",
  "Security",
  "Legal",
  "IT",
] as const;
export type Department = (typeof DEPARTMENTS)[number];

/** A named person. `manager` is a person key; only the CEO has none. */
export type PersonSpec = {
  name: string;
  title: string;
  department: Department;
  manager: string | null;
  /** The team whose access this person gets (and, for a lead, the team they manage). */
  team?: string;
  hiredDaysAgo: number;
  status?: "SUSPENDED" | "DEPROVISIONED";
  /** A leaver: days since they left (their access was revoked then, cause LEAVER). */
  leftDaysAgo?: number;
  /** A leaver's access that the offboarding missed: still ACTIVE (a finding the demo can show). */
  missedAtOffboarding?: string[];
};

/** A team: its lead (a named person) and how many generated members of each title it has. */
export type TeamSpec = { key: string; name: string; department: Department; lead: string; members: [title: string, count: number][] };

export const PEOPLE: Record<string, PersonSpec> = {
  // Executive
  "helena.marsh": { name: "Helena Marsh", title: "Chief Executive Officer", department: "Executive", manager: null, team: "exec", hiredDaysAgo: 2630 },
  "arjun.mehta": { name: "Arjun Mehta", title: "Chief Operating Officer", department: "Executive", manager: "helena.marsh", team: "exec", hiredDaysAgo: 2410 },
  "tomas.rivera": { name: "Tomás Rivera", title: "Chief of Staff", department: "Executive", manager: "helena.marsh", team: "exec", hiredDaysAgo: 1180 },

  // Engineering
  "daniel.osei": { name: "Daniel Osei", title: "Chief Technology Officer", department: "Engineering", manager: "helena.marsh", team: "eng-leadership", hiredDaysAgo: 2600 },
  "rebecca.thornton": { name: "Rebecca Thornton", title: "VP Engineering", department: "Engineering", manager: "daniel.osei", team: "eng-leadership", hiredDaysAgo: 1650 },
  "marcus.chen": { name: "Marcus Chen", title: "Engineering Manager, Payments Core", department: "Engineering", manager: "rebecca.thornton", team: "payments-core", hiredDaysAgo: 1420 },
  "priya.nair": { name: "Priya Nair", title: "Senior Software Engineer", department: "Engineering", manager: "marcus.chen", team: "payments-core", hiredDaysAgo: 690 },
  "jonas.weber": { name: "Jonas Weber", title: "Engineering Manager, Platform", department: "Engineering", manager: "rebecca.thornton", team: "platform", hiredDaysAgo: 1980 },
  "kevin.doyle": {
    name: "Kevin Doyle",
    title: "Senior Platform Engineer",
    department: "Engineering",
    manager: "jonas.weber",
    team: "platform",
    hiredDaysAgo: 1310,
    status: "DEPROVISIONED",
    leftDaysAgo: 23,
    missedAtOffboarding: ["datadog:read-only"],
  },
  "aisha.bello": { name: "Aisha Bello", title: "SRE Manager", department: "Engineering", manager: "rebecca.thornton", team: "sre", hiredDaysAgo: 1540 },
  "kenji.watanabe": { name: "Kenji Watanabe", title: "Engineering Manager, Risk & Fraud", department: "Engineering", manager: "rebecca.thornton", team: "risk", hiredDaysAgo: 1130 },
  "laura.bianchi": { name: "Laura Bianchi", title: "Engineering Manager, Merchant Experience", department: "Engineering", manager: "rebecca.thornton", team: "merchant", hiredDaysAgo: 980 },
  "samuel.adeyemi": { name: "Samuel Adeyemi", title: "Engineering Manager, Developer Productivity", department: "Engineering", manager: "rebecca.thornton", team: "devprod", hiredDaysAgo: 1260 },
  "ines.carvalho": { name: "Inês Carvalho", title: "Principal Engineer", department: "Engineering", manager: "daniel.osei", team: "eng-leadership", hiredDaysAgo: 2050 },

  // Data
  "sofia.alvarez": { name: "Sofia Alvarez", title: "Director of Data Platform", department: "Data", manager: "daniel.osei", team: "data-platform", hiredDaysAgo: 1760 },
  "ifeoma.eze": { name: "Ifeoma Eze", title: "Data Science Manager", department: "Data", manager: "sofia.alvarez", team: "data-science", hiredDaysAgo: 870 },

  // Product
  "nadia.petrova": { name: "Nadia Petrova", title: "Chief Product Officer", department: "Product", manager: "helena.marsh", team: "product-leadership", hiredDaysAgo: 1900 },
  "oliver.grant": { name: "Oliver Grant", title: "Director of Product", department: "Product", manager: "nadia.petrova", team: "product", hiredDaysAgo: 1210 },
  "hannah.lindqvist": { name: "Hannah Lindqvist", title: "Head of Design", department: "Product", manager: "nadia.petrova", team: "design", hiredDaysAgo: 1040 },

  // Sales
  "james.oconnell": { name: "James O'Connell", title: "Chief Revenue Officer", department: "Sales", manager: "helena.marsh", team: "sales-leadership", hiredDaysAgo: 1580 },
  "claire.dubois": { name: "Claire Dubois", title: "Director of Sales, EMEA", department: "Sales", manager: "james.oconnell", team: "sales", hiredDaysAgo: 1150 },
  "natalie.brooks": { name: "Natalie Brooks", title: "Account Executive", department: "Sales", manager: "claire.dubois", team: "sales", hiredDaysAgo: 540, status: "SUSPENDED" },
  "rafael.costa": { name: "Rafael Costa", title: "Solutions Engineering Manager", department: "Sales", manager: "james.oconnell", team: "solutions", hiredDaysAgo: 930 },
  "emily.carter": { name: "Emily Carter", title: "Revenue Operations Manager", department: "Sales", manager: "james.oconnell", team: "revops", hiredDaysAgo: 1020 },

  // Customer Success
  "victoria.hughes": { name: "Victoria Hughes", title: "VP Customer Success", department: "Customer Success", manager: "arjun.mehta", team: "cs-leadership", hiredDaysAgo: 1470 },
  "dmitri.volkov": { name: "Dmitri Volkov", title: "Support Manager", department: "Customer Success", manager: "victoria.hughes", team: "support", hiredDaysAgo: 1090 },
  "owen.gallagher": { name: "Owen Gallagher", title: "Support Specialist", department: "Customer Success", manager: "dmitri.volkov", team: "support", hiredDaysAgo: 310, status: "SUSPENDED" },
  "lucia.romero": { name: "Lucía Romero", title: "Customer Success Team Lead", department: "Customer Success", manager: "victoria.hughes", team: "customer-success", hiredDaysAgo: 820 },

  // Finance
  "robert.lang": { name: "Robert Lang", title: "Chief Financial Officer", department: "Finance", manager: "helena.marsh", team: "finance-leadership", hiredDaysAgo: 1720 },
  "catherine.wu": { name: "Catherine Wu", title: "Financial Controller", department: "Finance", manager: "robert.lang", team: "accounting", hiredDaysAgo: 1390 },
  "mateo.fernandez": { name: "Mateo Fernández", title: "Payments Operations Manager", department: "Finance", manager: "robert.lang", team: "payments-ops", hiredDaysAgo: 1250 },
  "ruth.okafor": { name: "Ruth Okafor", title: "Internal Audit Manager", department: "Finance", manager: "robert.lang", team: "internal-audit", hiredDaysAgo: 760 },
  "hiroshi.tanaka": { name: "Hiroshi Tanaka", title: "Internal Auditor", department: "Finance", manager: "ruth.okafor", team: "internal-audit", hiredDaysAgo: 240 },

  // People
  "sarah.whitfield": { name: "Sarah Whitfield", title: "VP People", department: "People", manager: "arjun.mehta", team: "people", hiredDaysAgo: 1330 },

  // Security
  "elena.kowalski": { name: "Elena Kowalski", title: "Chief Information Security Officer", department: "Security", manager: "helena.marsh", team: "security", hiredDaysAgo: 1500 },
  "omar.haddad": { name: "Omar Haddad", title: "Security Operations Lead", department: "Security", manager: "elena.kowalski", team: "security", hiredDaysAgo: 1060 },
  "yusuf.demir": { name: "Yusuf Demir", title: "Senior Security Engineer", department: "Security", manager: "omar.haddad", team: "security", hiredDaysAgo: 640 },
  "beatriz.santos": { name: "Beatriz Santos", title: "GRC Analyst", department: "Security", manager: "elena.kowalski", team: "security", hiredDaysAgo: 450 },

  // Legal
  "michael.abrams": { name: "Michael Abrams", title: "General Counsel", department: "Legal", manager: "helena.marsh", team: "legal", hiredDaysAgo: 1610 },
  "amara.nwosu": { name: "Amara Nwosu", title: "Privacy Counsel", department: "Legal", manager: "michael.abrams", team: "legal", hiredDaysAgo: 700 },

  // IT
  "thomas.brennan": { name: "Thomas Brennan", title: "IT Manager", department: "IT", manager: "arjun.mehta", team: "it", hiredDaysAgo: 1440 },
  "grace.kim": { name: "Grace Kim", title: "Identity & Access Administrator", department: "IT", manager: "thomas.brennan", team: "it", hiredDaysAgo: 910 },
};

/** Generated members per team (in addition to the named people above); their manager is the team lead. */
export const TEAMS: TeamSpec[] = [
  { key: "exec", name: "Office of the CEO", department: "Executive", lead: "helena.marsh", members: [["Executive Assistant", 1]] },
  { key: "eng-leadership", name: "Engineering leadership", department: "Engineering", lead: "daniel.osei", members: [] },
  {
    key: "payments-core",
    name: "Payments Core",
    department: "Engineering",
    lead: "marcus.chen",
    members: [["Staff Software Engineer", 1], ["Senior Software Engineer", 2], ["Software Engineer", 3]],
  },
  {
    key: "platform",
    name: "Platform",
    department: "Engineering",
    lead: "jonas.weber",
    members: [["Staff Platform Engineer", 1], ["Senior Platform Engineer", 1], ["Platform Engineer", 3]],
  },
  { key: "sre", name: "Site Reliability", department: "Engineering", lead: "aisha.bello", members: [["Senior Site Reliability Engineer", 2], ["Site Reliability Engineer", 3]] },
  {
    key: "risk",
    name: "Risk & Fraud Engineering",
    department: "Engineering",
    lead: "kenji.watanabe",
    members: [["Senior Software Engineer", 2], ["Software Engineer", 3], ["Machine Learning Engineer", 2]],
  },
  {
    key: "merchant",
    name: "Merchant Experience",
    department: "Engineering",
    lead: "laura.bianchi",
    members: [["Senior Frontend Engineer", 2], ["Frontend Engineer", 2], ["Mobile Engineer", 2], ["Software Engineer", 1]],
  },
  { key: "devprod", name: "Developer Productivity", department: "Engineering", lead: "samuel.adeyemi", members: [["Senior Build Engineer", 1], ["Build Engineer", 2]] },
  {
    key: "data-platform",
    name: "Data Platform",
    department: "Data",
    lead: "sofia.alvarez",
    members: [["Database Reliability Engineer", 2], ["Senior Data Engineer", 2], ["Data Engineer", 2], ["Analytics Engineer", 2]],
  },
  { key: "data-science", name: "Data Science", department: "Data", lead: "ifeoma.eze", members: [["Senior Data Scientist", 1], ["Data Scientist", 2], ["Data Analyst", 2]] },
  { key: "product-leadership", name: "Product leadership", department: "Product", lead: "nadia.petrova", members: [] },
  { key: "product", name: "Product Management", department: "Product", lead: "oliver.grant", members: [["Senior Product Manager", 2], ["Product Manager", 3]] },
  { key: "design", name: "Design", department: "Product", lead: "hannah.lindqvist", members: [["Senior Product Designer", 1], ["Product Designer", 2], ["UX Researcher", 1]] },
  { key: "sales-leadership", name: "Sales leadership", department: "Sales", lead: "james.oconnell", members: [] },
  { key: "sales", name: "Sales", department: "Sales", lead: "claire.dubois", members: [["Account Executive", 5], ["Sales Development Representative", 3]] },
  { key: "solutions", name: "Solutions Engineering", department: "Sales", lead: "rafael.costa", members: [["Solutions Engineer", 3]] },
  { key: "revops", name: "Revenue Operations", department: "Sales", lead: "emily.carter", members: [["Revenue Operations Analyst", 1], ["Salesforce Administrator", 1]] },
  { key: "cs-leadership", name: "Customer Success leadership", department: "Customer Success", lead: "victoria.hughes", members: [] },
  { key: "support", name: "Merchant Support", department: "Customer Success", lead: "dmitri.volkov", members: [["Senior Support Specialist", 2], ["Support Specialist", 6]] },
  {
    key: "customer-success",
    name: "Customer Success",
    department: "Customer Success",
    lead: "lucia.romero",
    members: [["Customer Success Manager", 4], ["Onboarding Specialist", 2]],
  },
  { key: "finance-leadership", name: "Finance leadership", department: "Finance", lead: "robert.lang", members: [] },
  { key: "accounting", name: "Accounting", department: "Finance", lead: "catherine.wu", members: [["Senior Accountant", 1], ["Accountant", 2], ["Accounts Payable Specialist", 1]] },
  {
    key: "payments-ops",
    name: "Payments Operations",
    department: "Finance",
    lead: "mateo.fernandez",
    members: [["Senior Payments Operations Analyst", 1], ["Payments Operations Analyst", 4], ["Treasury Analyst", 1]],
  },
  { key: "internal-audit", name: "Internal Audit", department: "Finance", lead: "ruth.okafor", members: [] },
  {
    key: "people",
    name: "People",
    department: "People",
    lead: "sarah.whitfield",
    members: [["HR Business Partner", 2], ["Talent Acquisition Partner", 2], ["People Operations Specialist", 1]],
  },
  { key: "security", name: "Security", department: "Security", lead: "omar.haddad", members: [["Security Engineer", 2], ["Security Analyst", 1]] },
  { key: "legal", name: "Legal", department: "Legal", lead: "michael.abrams", members: [["Senior Counsel", 1], ["Compliance Manager", 1], ["Paralegal", 1]] },
  { key: "it", name: "IT", department: "IT", lead: "thomas.brennan", members: [["IT Support Specialist", 2], ["Systems Administrator", 1]] },
];

/** Name pools for the generated members (picked with the seeded PRNG; every generated name is unique). */
export const FIRST_NAMES = [
  "Adaeze", "Adrian", "Aiko", "Alejandro", "Amelia", "Ana", "Andrei", "Astrid", "Ayodele", "Benjamin",
  "Bilal", "Camille", "Carlos", "Chiara", "Chloe", "Daniela", "David", "Deepa", "Diego", "Eilidh",
  "Elif", "Emeka", "Emma", "Erik", "Fatima", "Felix", "Freya", "Gabriel", "Hamza", "Hana",
  "Harper", "Ibrahim", "Isabel", "Ivan", "Jack", "Jasmine", "Javier", "Julia", "Kai", "Karim",
  "Katarzyna", "Kwame", "Leah", "Leila", "Liam", "Lina", "Lucas", "Maya", "Mohammed", "Nia",
  "Nikhil", "Noah", "Olga", "Oscar", "Paolo", "Rania", "Rohan", "Rosa", "Ryan", "Saanvi",
  "Samira", "Sean", "Siobhan", "Sven", "Tariq", "Thandiwe", "Theo", "Valentina", "Wei", "Zara",
  "Ahmed", "Bianca", "Connor", "Divya", "Farah", "Hugo", "Ingrid", "Joaquín", "Kofi", "Mariam",
];
export const LAST_NAMES = [
  "Abbott", "Achterberg", "Agarwal", "Ahmed", "Andersson", "Baker", "Banerjee", "Barros", "Becker", "Bergström",
  "Campbell", "Chaudhry", "Clarke", "Correia", "Dang", "Das", "Delgado", "Dimitrov", "Duarte", "Eriksen",
  "Evans", "Farouk", "Ferreira", "Fitzgerald", "Gallo", "Garcia", "Goldberg", "Gupta", "Hansen", "Hoang",
  "Hussain", "Ibáñez", "Iyer", "Jansen", "Jovanović", "Kamau", "Khan", "Kim", "Kovač", "Kumar",
  "Larsen", "Lee", "Lopez", "Lund", "Mahlangu", "Martin", "Mensah", "Moreau", "Murphy", "Nakamura",
  "Ndlovu", "Nguyen", "Novak", "O'Brien", "Ortiz", "Park", "Patel", "Pereira", "Popescu", "Quinn",
  "Rahman", "Reyes", "Rossi", "Sato", "Schmidt", "Shah", "Silva", "Singh", "Sokolova", "Suzuki",
  "Takahashi", "Torres", "Van Dijk", "Varga", "Walsh", "Wright", "Yamamoto", "Yilmaz", "Zhang", "Zielinski",
];

export type SystemSpec = {
  name: string;
  owner: string;
  criticality: RiskLevel;
  connector?: "MANUAL" | "POSTGRES";
  connectorConfig?: Record<string, string | number>;
  description: string;
};

export const SYSTEMS: Record<string, SystemSpec> = {
  github: {
    name: "GitHub",
    owner: "samuel.adeyemi",
    criticality: "HIGH",
    description: "Source control for every Halcyon Pay service (organisation halcyon-pay): code review, branch protection and release tags.",
  },
  "aws-prod": {
    name: "AWS Production",
    owner: "jonas.weber",
    criticality: "CRITICAL",
    description: "The production AWS account (eu-west-1 and us-east-1) running card processing and payouts. People get in through IAM Identity Center permission sets.",
  },
  dwh: {
    name: "Data Warehouse",
    owner: "sofia.alvarez",
    criticality: "HIGH",
    description: "Snowflake-style analytics warehouse: raw loads from Fivetran and Airflow, dbt-modelled marts for finance, risk and product.",
  },
  "prod-db": {
    name: "Production Database",
    owner: "sofia.alvarez",
    criticality: "CRITICAL",
    connector: "POSTGRES",
    // An embedded PostgreSQL started with the portal (server/demo-target); docs/configuration.md says how to point it at a real server.
    connectorConfig: { database: "halcyon_prod", host: DEMO_TARGET_HOST, port: DEMO_TARGET_DEFAULT_PORT },
    description: "Primary PostgreSQL cluster behind payments-core: merchants, payment intents, refunds and payouts. Holds cardholder-adjacent personal data.",
  },
  salesforce: {
    name: "Salesforce CRM",
    owner: "emily.carter",
    criticality: "MEDIUM",
    description: "Sales pipeline, merchant accounts, contracts and the history of support cases.",
  },
  ci: {
    name: "Buildkite CI",
    owner: "samuel.adeyemi",
    criticality: "HIGH",
    description: "Build, test and deploy pipelines (with GitHub Actions for pull-request checks). Production deploys run from here after review.",
  },
  datadog: {
    name: "Datadog",
    owner: "aisha.bello",
    criticality: "MEDIUM",
    description: "Metrics, logs, traces and alerting for every production service; on-call paging goes through it.",
  },
  payments: {
    name: "Payments Ledger",
    owner: "mateo.fernandez",
    criticality: "CRITICAL",
    description: "Internal double-entry ledger and back-office console: merchant balances, refunds, disputes and payouts. Fronts Stripe for card acquiring.",
  },
  workday: {
    name: "Workday HR",
    owner: "sarah.whitfield",
    criticality: "HIGH",
    description: "System of record for employees: hires, leavers, managers and compensation. Feeds Okta.",
  },
  vault: {
    name: "HashiCorp Vault",
    owner: "elena.kowalski",
    criticality: "CRITICAL",
    description: "Secrets, short-lived database credentials and the internal PKI for production workloads.",
  },
  "k8s-prod": {
    name: "Kubernetes Production",
    owner: "aisha.bello",
    criticality: "CRITICAL",
    description: "EKS cluster prod-euw1 running payments-api, refund-worker, fraud-scoring and the merchant dashboard.",
  },
  okta: {
    name: "Okta",
    owner: "thomas.brennan",
    criticality: "CRITICAL",
    description: "Single sign-on and MFA for every employee; accounts are created and disabled from Workday.",
  },
  gws: {
    name: "Google Workspace",
    owner: "thomas.brennan",
    criticality: "MEDIUM",
    description: "Email, calendars and shared drives.",
  },
  zendesk: {
    name: "Zendesk",
    owner: "victoria.hughes",
    criticality: "MEDIUM",
    description: "Merchant support tickets, macros and the public help centre.",
  },
};

export type EntitlementSpec = {
  system: string;
  name: string;
  risk: RiskLevel;
  privileged?: boolean;
  /** A person key; unset means the system owner owns it. */
  owner?: string;
  requestable?: boolean;
  /** Defaults by risk: LOW 365, MEDIUM 90, HIGH 30, CRITICAL 7. */
  maxDurationDays?: number;
  externalRef: string;
  description: string;
};

export const MAX_DAYS_BY_RISK: Record<RiskLevel, number> = { LOW: 365, MEDIUM: 90, HIGH: 30, CRITICAL: 7 };

export const ENTITLEMENTS: EntitlementSpec[] = [
  // GitHub
  { system: "github", name: "github:org-member", risk: "LOW", externalRef: "halcyon-pay/members", description: "Member of the halcyon-pay organisation: read access to internal repositories." },
  { system: "github", name: "github:repo-write payments-core", risk: "MEDIUM", externalRef: "halcyon-pay/payments-core:write", description: "Push branches and open pull requests on payments-core. Merges to main still need review." },
  { system: "github", name: "github:repo-write merchant-dashboard", risk: "MEDIUM", externalRef: "halcyon-pay/merchant-dashboard:write", description: "Push branches and open pull requests on the merchant dashboard." },
  { system: "github", name: "github:repo-write infrastructure", risk: "HIGH", privileged: true, externalRef: "halcyon-pay/infrastructure:write", description: "Write access to the Terraform and Helm repository that defines production." },
  { system: "github", name: "github:repo-admin payments-core", risk: "HIGH", privileged: true, externalRef: "halcyon-pay/payments-core:admin", description: "Change branch protection, required reviews and deploy keys on payments-core." },
  { system: "github", name: "github:security-advisories", risk: "MEDIUM", owner: "elena.kowalski", externalRef: "halcyon-pay/security-managers", description: "Read and manage Dependabot and code-scanning alerts across the organisation." },
  { system: "github", name: "github:org-owner", risk: "CRITICAL", privileged: true, owner: "daniel.osei", externalRef: "halcyon-pay/owners", description: "Organisation owner: billing, SSO settings, every repository. Kept to a handful of people." },

  // AWS Production
  { system: "aws-prod", name: "aws-prod:ReadOnly", risk: "MEDIUM", externalRef: "ReadOnlyAccess", description: "Read-only console and API access to production resources (no secret values)." },
  { system: "aws-prod", name: "aws-prod:Developer", risk: "HIGH", privileged: true, externalRef: "PowerUserAccess", description: "Change production resources except IAM. For incident work and migrations." },
  { system: "aws-prod", name: "aws-prod:S3-statements-read", risk: "MEDIUM", externalRef: "SettlementStatementsRead", description: "Read the card-scheme settlement files in s3://halcyon-settlements." },
  { system: "aws-prod", name: "aws-prod:Billing", risk: "MEDIUM", externalRef: "Billing", description: "Cost explorer, invoices and budgets." },
  { system: "aws-prod", name: "aws-prod:SecurityAudit", risk: "MEDIUM", externalRef: "SecurityAudit", description: "Read security configuration, CloudTrail and GuardDuty findings." },
  { system: "aws-prod", name: "aws-prod:AdministratorAccess", risk: "CRITICAL", privileged: true, externalRef: "AdministratorAccess", description: "Full administrator of the production account, including IAM." },
  { system: "aws-prod", name: "aws-prod:BreakGlass-Root", risk: "CRITICAL", privileged: true, requestable: false, externalRef: "root (sealed envelope)", description: "The account's root credentials, held in a sealed process for disasters only." },

  // Data Warehouse
  { system: "dwh", name: "dwh:analytics-read", risk: "LOW", externalRef: "ANALYST_READ", description: "Query the curated, de-identified marts (product usage, merchant growth)." },
  { system: "dwh", name: "dwh:finance-marts-read", risk: "MEDIUM", externalRef: "FINANCE_READ", description: "Query revenue, fee and settlement marts." },
  { system: "dwh", name: "dwh:pii-read", risk: "HIGH", privileged: true, owner: "amara.nwosu", externalRef: "PII_READ", description: "Query schemas with merchant and cardholder personal data. Approved by Privacy." },
  { system: "dwh", name: "dwh:transformer", risk: "MEDIUM", externalRef: "TRANSFORMER", description: "Build dbt models: write to the staging and mart schemas." },
  { system: "dwh", name: "dwh:loader", risk: "MEDIUM", requestable: false, externalRef: "LOADER", description: "Write raw data into the RAW database. For ingestion pipelines only." },
  { system: "dwh", name: "dwh:sysadmin", risk: "CRITICAL", privileged: true, externalRef: "SYSADMIN", description: "Manage warehouses, users, roles and data-sharing." },

  // Production Database
  { system: "prod-db", name: "prod-db:read-replica-select", risk: "MEDIUM", externalRef: "replica_reader", description: "SELECT on the read replica, for debugging and ad-hoc analysis. No PII columns." },
  { system: "prod-db", name: "prod-db:reporting-views-select", risk: "MEDIUM", externalRef: "reporting_reader", description: "SELECT on the finance reporting views (aggregates only, no PII). For month-end close and dashboards." },
  { system: "prod-db", name: "prod-db:primary-select", risk: "HIGH", privileged: true, externalRef: "primary_reader", description: "SELECT on the primary. For incidents where the replica lag matters." },
  { system: "prod-db", name: "prod-db:pii-columns-select", risk: "HIGH", privileged: true, owner: "amara.nwosu", externalRef: "pii_reader", description: "SELECT on the columns holding cardholder names, addresses and bank details." },
  { system: "prod-db", name: "prod-db:app-readwrite", risk: "HIGH", privileged: true, requestable: false, externalRef: "app_rw", description: "The application's read-write role. For payments-core workloads only." },
  { system: "prod-db", name: "prod-db:migrations", risk: "HIGH", privileged: true, externalRef: "migrator", description: "Run schema migrations (DDL) on halcyon_prod." },
  { system: "prod-db", name: "prod-db:superuser", risk: "CRITICAL", privileged: true, externalRef: "halcyon_admin", description: "Database superuser on the production cluster." },

  // Salesforce CRM
  { system: "salesforce", name: "salesforce:read-only", risk: "LOW", externalRef: "Read Only", description: "View accounts, opportunities and cases." },
  { system: "salesforce", name: "salesforce:sales-user", risk: "LOW", externalRef: "Halcyon Sales User", description: "Work the pipeline: accounts, contacts, opportunities, quotes." },
  { system: "salesforce", name: "salesforce:service-user", risk: "LOW", externalRef: "Halcyon Service User", description: "Work merchant cases and account health." },
  { system: "salesforce", name: "salesforce:report-builder", risk: "MEDIUM", externalRef: "Report Builder", description: "Create and share reports and dashboards across the org." },
  { system: "salesforce", name: "salesforce:api-integration", risk: "MEDIUM", requestable: false, externalRef: "Integration User", description: "API-only profile for connected apps and sync jobs." },
  { system: "salesforce", name: "salesforce:system-administrator", risk: "HIGH", privileged: true, externalRef: "System Administrator", description: "Configure objects, profiles, sharing rules and connected apps." },

  // Buildkite CI
  { system: "ci", name: "ci:pipeline-viewer", risk: "LOW", externalRef: "team:viewers", description: "See builds, logs and artefacts." },
  { system: "ci", name: "ci:pipeline-trigger", risk: "MEDIUM", externalRef: "team:builders", description: "Trigger and retry builds on any pipeline." },
  { system: "ci", name: "ci:deploy-staging", risk: "MEDIUM", externalRef: "team:deploy-staging", description: "Unblock deploy steps to the staging environment." },
  { system: "ci", name: "ci:deploy-production", risk: "HIGH", privileged: true, externalRef: "team:deploy-production", description: "Unblock deploy steps to production." },
  { system: "ci", name: "ci:agent-token", risk: "HIGH", privileged: true, requestable: false, externalRef: "agent-token:linux-fleet", description: "Registers build agents. For the agent fleet only." },
  { system: "ci", name: "ci:admin", risk: "HIGH", privileged: true, externalRef: "org:admin", description: "Manage pipelines, teams, secrets plugins and agent tokens." },

  // Datadog
  { system: "datadog", name: "datadog:read-only", risk: "LOW", externalRef: "Datadog Read Only Role", description: "View dashboards, monitors, traces and logs." },
  { system: "datadog", name: "datadog:standard", risk: "LOW", externalRef: "Datadog Standard Role", description: "Create dashboards and monitors; manage their own notebooks." },
  { system: "datadog", name: "datadog:log-rehydration", risk: "MEDIUM", externalRef: "Log Rehydration", description: "Rehydrate archived logs, which may contain request payloads." },
  { system: "datadog", name: "datadog:admin", risk: "HIGH", privileged: true, externalRef: "Datadog Admin Role", description: "Manage users, API keys, integrations and log pipelines." },

  // Payments Ledger
  { system: "payments", name: "payments:ledger-view", risk: "MEDIUM", externalRef: "ledger.viewer", description: "View merchant balances, transactions and payout history in the back office." },
  { system: "payments", name: "payments:dispute-manage", risk: "MEDIUM", externalRef: "disputes.agent", description: "Respond to chargebacks and upload evidence to the card schemes." },
  { system: "payments", name: "payments:refund-initiate", risk: "HIGH", externalRef: "refunds.initiator", description: "Create refunds above the merchant's self-service limit. Must not be held with refund-approve." },
  { system: "payments", name: "payments:refund-approve", risk: "HIGH", privileged: true, owner: "catherine.wu", externalRef: "refunds.approver", description: "Approve refunds created by someone else. Must not be held with refund-initiate." },
  { system: "payments", name: "payments:merchant-config-edit", risk: "HIGH", privileged: true, externalRef: "merchants.config-editor", description: "Change merchant fee plans, payout schedules and risk limits." },
  { system: "payments", name: "payments:payout-release", risk: "CRITICAL", privileged: true, owner: "robert.lang", externalRef: "payouts.releaser", description: "Release held payouts and trigger manual bank transfers." },
  { system: "payments", name: "payments:stripe-dashboard-admin", risk: "HIGH", privileged: true, externalRef: "stripe:Administrator", description: "Administrator of the Stripe account behind card acquiring." },
  { system: "payments", name: "payments:webhook-ingest", risk: "MEDIUM", requestable: false, externalRef: "webhooks.stripe", description: "Post Stripe webhook events to the ledger. For the Stripe signing key only." },

  // Workday HR
  { system: "workday", name: "workday:manager-view", risk: "LOW", requestable: false, externalRef: "Manager", description: "See your reports' profiles and approve their time off." },
  { system: "workday", name: "workday:recruiting", risk: "MEDIUM", externalRef: "Recruiter", description: "See candidates, offers and requisitions." },
  { system: "workday", name: "workday:hr-partner", risk: "HIGH", privileged: true, externalRef: "HR Partner", description: "Read and change employee records, including personal data, for a supervisory organisation." },
  { system: "workday", name: "workday:compensation-view", risk: "HIGH", privileged: true, externalRef: "Compensation Partner", description: "See salaries, bonuses and equity across the company." },
  { system: "workday", name: "workday:integration-system-user", risk: "MEDIUM", requestable: false, externalRef: "ISU_Okta", description: "Integration user that exports workers to Okta." },
  { system: "workday", name: "workday:security-admin", risk: "CRITICAL", privileged: true, externalRef: "Security Administrator", description: "Change Workday security groups and business-process policies." },

  // HashiCorp Vault
  { system: "vault", name: "vault:read-dev-secrets", risk: "MEDIUM", externalRef: "policy/dev-read", description: "Read secrets under secret/dev and secret/staging." },
  { system: "vault", name: "vault:read-prod-secrets", risk: "HIGH", privileged: true, externalRef: "policy/prod-read", description: "Read secrets under secret/prod." },
  { system: "vault", name: "vault:pki-issuer", risk: "HIGH", privileged: true, externalRef: "policy/pki-issue", description: "Issue certificates from the internal production CA." },
  { system: "vault", name: "vault:policy-admin", risk: "CRITICAL", privileged: true, externalRef: "policy/admin", description: "Write Vault policies and auth methods." },
  { system: "vault", name: "vault:root-token-recovery", risk: "CRITICAL", privileged: true, requestable: false, externalRef: "unseal-keyholders", description: "Holder of an unseal key share. Assigned by the CISO, never requested." },

  // Kubernetes Production
  { system: "k8s-prod", name: "k8s-prod:view", risk: "MEDIUM", externalRef: "clusterrole/view", description: "Read workloads, events and logs in every namespace (no secrets)." },
  { system: "k8s-prod", name: "k8s-prod:namespace-edit payments", risk: "HIGH", privileged: true, externalRef: "rolebinding/payments-edit", description: "Edit deployments and config in the payments namespace." },
  { system: "k8s-prod", name: "k8s-prod:exec-pods", risk: "HIGH", privileged: true, externalRef: "clusterrole/pod-exec", description: "kubectl exec into running production pods." },
  { system: "k8s-prod", name: "k8s-prod:deployer", risk: "HIGH", privileged: true, requestable: false, externalRef: "clusterrole/deployer", description: "Roll out new images. For the CI deployer only." },
  { system: "k8s-prod", name: "k8s-prod:cluster-admin", risk: "CRITICAL", privileged: true, externalRef: "clusterrole/cluster-admin", description: "Full control of the cluster." },

  // Okta
  { system: "okta", name: "okta:employee", risk: "LOW", requestable: false, externalRef: "Everyone", description: "Okta account with MFA; created and disabled from Workday." },
  { system: "okta", name: "okta:read-only-admin", risk: "MEDIUM", externalRef: "READ_ONLY_ADMIN", description: "See users, groups, policies and the system log." },
  { system: "okta", name: "okta:helpdesk-admin", risk: "HIGH", privileged: true, externalRef: "HELP_DESK_ADMIN", description: "Reset passwords and MFA factors for non-admin users." },
  { system: "okta", name: "okta:app-admin", risk: "HIGH", privileged: true, externalRef: "APP_ADMIN", description: "Configure application integrations and their assignments." },
  { system: "okta", name: "okta:super-admin", risk: "CRITICAL", privileged: true, requestable: false, externalRef: "SUPER_ADMIN", description: "Full control of the Okta tenant." },

  // Google Workspace
  { system: "gws", name: "gws:shared-drive finance", risk: "MEDIUM", owner: "catherine.wu", externalRef: "drive:Finance (content manager)", description: "The Finance shared drive: board packs, month-end close, bank letters." },
  { system: "gws", name: "gws:shared-drive board", risk: "HIGH", privileged: false, owner: "tomas.rivera", externalRef: "drive:Board (viewer)", description: "Board papers, fundraising and M&A material." },
  { system: "gws", name: "gws:groups-admin", risk: "MEDIUM", externalRef: "role:Groups Admin", description: "Create groups and manage their members." },
  { system: "gws", name: "gws:super-admin", risk: "CRITICAL", privileged: true, externalRef: "role:Super Admin", description: "Full control of the Workspace tenant." },

  // Zendesk
  { system: "zendesk", name: "zendesk:light-agent", risk: "LOW", externalRef: "Light agent", description: "See tickets and add private notes." },
  { system: "zendesk", name: "zendesk:agent", risk: "LOW", externalRef: "Agent", description: "Work and reply to merchant tickets." },
  { system: "zendesk", name: "zendesk:api-token", risk: "MEDIUM", requestable: false, externalRef: "API token (admin-issued)", description: "Token access to the Zendesk API for integrations." },
  { system: "zendesk", name: "zendesk:admin", risk: "HIGH", privileged: true, externalRef: "Admin", description: "Manage agents, triggers, macros and integrations." },
];

/**
 * What every person gets on day one (standing, imported). Mail, calendar and Workday self-service are Okta
 * apps assigned to everyone with an Okta account, so they are not governed as separate entitlements.
 */
export const BIRTHRIGHT = ["okta:employee"];

/** What every person with reports gets. */
export const MANAGER_ACCESS = ["workday:manager-view"];

/** An entitlement, optionally held by only a share of the group (picked with the seeded PRNG). */
export type AccessRule = string | { ent: string; share: number };

export const DEPARTMENT_ACCESS: Partial<Record<Department, AccessRule[]>> = {
  Engineering: ["github:org-member", { ent: "ci:pipeline-viewer", share: 0.5 }, { ent: "datadog:read-only", share: 0.4 }],
  Data: ["github:org-member", "dwh:analytics-read"],
  Product: [{ ent: "salesforce:read-only", share: 0.5 }, "dwh:analytics-read"],
  Sales: [],
  "Customer Success": ["salesforce:service-user"],
  Finance: [{ ent: "dwh:finance-marts-read", share: 0.7 }],
  Security: ["github:org-member", "aws-prod:SecurityAudit"],
  Legal: ["salesforce:read-only"],
  IT: ["okta:read-only-admin", "gws:groups-admin"],
};

export const TEAM_ACCESS: Record<string, AccessRule[]> = {
  exec: ["gws:shared-drive board"],
  "eng-leadership": ["aws-prod:ReadOnly", "k8s-prod:view"],
  "payments-core": [
    "github:repo-write payments-core",
    "ci:deploy-staging",
    "k8s-prod:view",
    "vault:read-dev-secrets",
    { ent: "prod-db:read-replica-select", share: 0.7 },
    { ent: "ci:pipeline-trigger", share: 0.5 },
  ],
  platform: ["github:repo-write infrastructure", "aws-prod:ReadOnly", "k8s-prod:view", "vault:read-dev-secrets", "ci:pipeline-trigger", { ent: "aws-prod:Developer", share: 0.4 }],
  sre: ["aws-prod:ReadOnly", "k8s-prod:view", "datadog:standard", "ci:pipeline-trigger", { ent: "k8s-prod:exec-pods", share: 0.5 }, { ent: "datadog:log-rehydration", share: 0.5 }],
  risk: ["github:repo-write payments-core", "dwh:analytics-read", { ent: "prod-db:read-replica-select", share: 0.6 }, { ent: "dwh:pii-read", share: 0.25 }],
  merchant: ["github:repo-write merchant-dashboard", "ci:deploy-staging", { ent: "datadog:standard", share: 0.5 }],
  devprod: ["ci:pipeline-trigger", "github:repo-write infrastructure", "ci:deploy-staging"],
  "data-platform": ["dwh:transformer", "prod-db:read-replica-select", "datadog:read-only", { ent: "aws-prod:ReadOnly", share: 0.5 }],
  "data-science": [{ ent: "dwh:finance-marts-read", share: 0.5 }, { ent: "prod-db:read-replica-select", share: 0.3 }],
  design: [{ ent: "zendesk:light-agent", share: 0.5 }],
  product: [{ ent: "zendesk:light-agent", share: 0.5 }],
  sales: ["salesforce:sales-user"],
  "sales-leadership": ["salesforce:sales-user", "salesforce:report-builder"],
  solutions: ["salesforce:sales-user", "github:org-member", { ent: "datadog:read-only", share: 0.7 }],
  revops: ["salesforce:sales-user", "salesforce:report-builder", "dwh:analytics-read"],
  "cs-leadership": ["zendesk:agent", "salesforce:report-builder"],
  support: ["zendesk:agent", { ent: "payments:ledger-view", share: 0.6 }, { ent: "payments:dispute-manage", share: 0.4 }],
  "customer-success": [{ ent: "zendesk:light-agent", share: 0.8 }, "salesforce:report-builder"],
  "finance-leadership": ["gws:shared-drive finance", "aws-prod:Billing", "gws:shared-drive board"],
  accounting: ["gws:shared-drive finance", { ent: "aws-prod:Billing", share: 0.5 }],
  "payments-ops": ["payments:ledger-view", "payments:refund-initiate", "payments:dispute-manage", { ent: "aws-prod:S3-statements-read", share: 0.5 }],
  people: [{ ent: "workday:hr-partner", share: 0.5 }, { ent: "workday:recruiting", share: 0.5 }],
  security: ["github:security-advisories", "k8s-prod:view", "okta:read-only-admin", { ent: "datadog:read-only", share: 0.5 }, { ent: "aws-prod:ReadOnly", share: 0.6 }],
  it: [{ ent: "okta:helpdesk-admin", share: 0.7 }],
};

/**
 * Privileged and one-off access held by specific people. `expiresInDays`: a number is days from now,
 * null is standing access; unset leaves it to the PRNG.
 */
export const EXTRA_GRANTS: { holder: string; ent: string; expiresInDays?: number | null }[] = [
  { holder: "kevin.doyle", ent: "datadog:read-only", expiresInDays: null },
  { holder: "marcus.chen", ent: "github:repo-admin payments-core", expiresInDays: null },
  { holder: "marcus.chen", ent: "ci:deploy-production", expiresInDays: null },
  { holder: "marcus.chen", ent: "payments:merchant-config-edit", expiresInDays: 5 },
  { holder: "priya.nair", ent: "prod-db:read-replica-select", expiresInDays: 3 },
  { holder: "priya.nair", ent: "ci:deploy-production", expiresInDays: 62 },
  { holder: "jonas.weber", ent: "aws-prod:AdministratorAccess", expiresInDays: null },
  { holder: "jonas.weber", ent: "k8s-prod:cluster-admin", expiresInDays: null },
  { holder: "jonas.weber", ent: "vault:read-prod-secrets", expiresInDays: 21 },
  { holder: "aisha.bello", ent: "k8s-prod:cluster-admin", expiresInDays: 5 },
  { holder: "aisha.bello", ent: "datadog:admin", expiresInDays: null },
  { holder: "aisha.bello", ent: "aws-prod:Developer", expiresInDays: 44 },
  { holder: "samuel.adeyemi", ent: "ci:admin", expiresInDays: null },
  { holder: "samuel.adeyemi", ent: "github:org-owner", expiresInDays: null },
  { holder: "daniel.osei", ent: "github:org-owner", expiresInDays: null },
  { holder: "ines.carvalho", ent: "prod-db:primary-select", expiresInDays: 14 },
  { holder: "ines.carvalho", ent: "github:repo-write payments-core", expiresInDays: null },
  { holder: "sofia.alvarez", ent: "prod-db:superuser", expiresInDays: 2 },
  { holder: "sofia.alvarez", ent: "dwh:sysadmin", expiresInDays: null },
  { holder: "sofia.alvarez", ent: "prod-db:primary-select", expiresInDays: null },
  { holder: "ifeoma.eze", ent: "dwh:pii-read", expiresInDays: 1 },
  { holder: "mateo.fernandez", ent: "payments:refund-approve", expiresInDays: null },
  { holder: "mateo.fernandez", ent: "payments:payout-release", expiresInDays: null },
  { holder: "mateo.fernandez", ent: "payments:stripe-dashboard-admin", expiresInDays: 150 },
  { holder: "catherine.wu", ent: "payments:refund-approve", expiresInDays: null },
  { holder: "catherine.wu", ent: "payments:payout-release", expiresInDays: 6 },
  { holder: "robert.lang", ent: "payments:ledger-view", expiresInDays: null },
  { holder: "helena.marsh", ent: "payments:ledger-view", expiresInDays: null },
  { holder: "nadia.petrova", ent: "gws:shared-drive board", expiresInDays: null },
  { holder: "james.oconnell", ent: "gws:shared-drive board", expiresInDays: null },
  { holder: "daniel.osei", ent: "gws:shared-drive board", expiresInDays: null },
  { holder: "emily.carter", ent: "salesforce:system-administrator", expiresInDays: null },
  { holder: "victoria.hughes", ent: "zendesk:admin", expiresInDays: null },
  { holder: "dmitri.volkov", ent: "zendesk:admin", expiresInDays: 30 },
  { holder: "dmitri.volkov", ent: "payments:ledger-view", expiresInDays: null },
  { holder: "sarah.whitfield", ent: "workday:hr-partner", expiresInDays: null },
  { holder: "sarah.whitfield", ent: "workday:compensation-view", expiresInDays: null },
  { holder: "sarah.whitfield", ent: "workday:security-admin", expiresInDays: 4 },
  { holder: "elena.kowalski", ent: "vault:policy-admin", expiresInDays: null },
  { holder: "elena.kowalski", ent: "vault:root-token-recovery", expiresInDays: null },
  { holder: "omar.haddad", ent: "vault:root-token-recovery", expiresInDays: null },
  { holder: "omar.haddad", ent: "datadog:log-rehydration", expiresInDays: 75 },
  { holder: "yusuf.demir", ent: "vault:policy-admin", expiresInDays: 6 },
  { holder: "yusuf.demir", ent: "k8s-prod:exec-pods", expiresInDays: 3 },
  { holder: "thomas.brennan", ent: "okta:super-admin", expiresInDays: null },
  { holder: "thomas.brennan", ent: "gws:super-admin", expiresInDays: null },
  { holder: "grace.kim", ent: "okta:app-admin", expiresInDays: null },
  { holder: "grace.kim", ent: "okta:helpdesk-admin", expiresInDays: null },
  { holder: "grace.kim", ent: "okta:super-admin", expiresInDays: 4 },
  { holder: "amara.nwosu", ent: "dwh:pii-read", expiresInDays: 120 },
  { holder: "amara.nwosu", ent: "prod-db:pii-columns-select", expiresInDays: 120 },
  { holder: "ruth.okafor", ent: "salesforce:read-only", expiresInDays: 200 },
  { holder: "ruth.okafor", ent: "aws-prod:SecurityAudit", expiresInDays: 200 },
  { holder: "hiroshi.tanaka", ent: "aws-prod:SecurityAudit", expiresInDays: 7 },
];

/**
 * Access for generated people, by team and title (the first generated member with that title gets it):
 * e.g. the senior payments-ops analyst who holds both sides of the refund SoD pair.
 */
export const ROLE_HOLDER_GRANTS: { team: string; title: string; ent: string; expiresInDays?: number | null }[] = [
  { team: "payments-ops", title: "Senior Payments Operations Analyst", ent: "payments:refund-approve", expiresInDays: null },
  { team: "data-platform", title: "Database Reliability Engineer", ent: "prod-db:superuser", expiresInDays: null },
  { team: "data-platform", title: "Database Reliability Engineer", ent: "prod-db:migrations", expiresInDays: null },
  { team: "data-platform", title: "Database Reliability Engineer", ent: "prod-db:primary-select", expiresInDays: 9 },
  { team: "data-platform", title: "Senior Data Engineer", ent: "dwh:pii-read", expiresInDays: 45 },
  { team: "platform", title: "Staff Platform Engineer", ent: "aws-prod:AdministratorAccess", expiresInDays: 2 },
  { team: "platform", title: "Staff Platform Engineer", ent: "vault:read-prod-secrets", expiresInDays: null },
  { team: "payments-core", title: "Staff Software Engineer", ent: "k8s-prod:namespace-edit payments", expiresInDays: null },
  { team: "payments-core", title: "Staff Software Engineer", ent: "prod-db:migrations", expiresInDays: 25 },
  { team: "sre", title: "Senior Site Reliability Engineer", ent: "k8s-prod:cluster-admin", expiresInDays: 1 },
  { team: "sre", title: "Senior Site Reliability Engineer", ent: "aws-prod:Developer", expiresInDays: null },
  { team: "revops", title: "Salesforce Administrator", ent: "salesforce:system-administrator", expiresInDays: null },
  { team: "people", title: "People Operations Specialist", ent: "workday:security-admin", expiresInDays: null },
  { team: "people", title: "People Operations Specialist", ent: "workday:compensation-view", expiresInDays: 90 },
  { team: "people", title: "Talent Acquisition Partner", ent: "workday:recruiting", expiresInDays: null },
  { team: "accounting", title: "Senior Accountant", ent: "payments:payout-release", expiresInDays: 3 },
  { team: "security", title: "Security Engineer", ent: "vault:read-prod-secrets", expiresInDays: 12 },
  { team: "it", title: "Systems Administrator", ent: "gws:super-admin", expiresInDays: null },
  { team: "devprod", title: "Senior Build Engineer", ent: "ci:admin", expiresInDays: 60 },
];

/** Access that ended before the import: kept as history (REVOKED, with the cause). */
export const REVOKED_HISTORY: { holder: string; ent: string; startedDaysAgo: number; revokedDaysAgo: number; cause: RevocationCause; by: string | null; note: string }[] = [
  { holder: "priya.nair", ent: "prod-db:primary-select", startedDaysAgo: 58, revokedDaysAgo: 51, cause: "MANUAL", by: "sofia.alvarez", note: "Incident INC-2291 closed; temporary primary access removed." },
  { holder: "aisha.bello", ent: "aws-prod:AdministratorAccess", startedDaysAgo: 40, revokedDaysAgo: 33, cause: "EXPIRY", by: null, note: "Seven-day window for the eu-west-1 failover drill ended." },
  { holder: "emily.carter", ent: "salesforce:api-integration", startedDaysAgo: 400, revokedDaysAgo: 96, cause: "REVIEW", by: "james.oconnell", note: "Q3 access review: an interactive user should not hold the integration profile." },
];

export type NhiSpec = {
  name: string;
  kind: Exclude<IdentityKind, "HUMAN">;
  owner: string;
  system: string;
  purpose: string;
  /** Credential key id prefix; a PRNG suffix makes it unique. Workloads: the service account's uid (tokens are projected and short-lived). */
  keyPrefix: string;
  createdDaysAgo: number;
  rotatedDaysAgo?: number;
  /** Days from now; negative means expired. Unset: the credential does not expire. */
  expiresInDays?: number;
  grants: string[];
};

export const NHIS: NhiSpec[] = [
  // CI and deploys
  { name: "github-actions-deployer", kind: "SERVICE_ACCOUNT", owner: "samuel.adeyemi", system: "ci", purpose: "Deploys payments-core and the merchant dashboard to production from signed release tags.", keyPrefix: "oidc-role/gha-deployer", createdDaysAgo: 610, rotatedDaysAgo: 30, expiresInDays: 60, grants: ["ci:deploy-production", "k8s-prod:deployer", "github:repo-write payments-core"] },
  { name: "buildkite-agent-linux", kind: "SERVICE_ACCOUNT", owner: "samuel.adeyemi", system: "ci", purpose: "Linux build runners (autoscaling group bk-linux) that run tests and build images.", keyPrefix: "bk-agent-token", createdDaysAgo: 820, rotatedDaysAgo: 180, expiresInDays: 185, grants: ["ci:agent-token", "github:org-member"] },
  { name: "buildkite-agent-arm64", kind: "SERVICE_ACCOUNT", owner: "samuel.adeyemi", system: "ci", purpose: "ARM64 build runners for the mobile SDK and multi-arch images.", keyPrefix: "bk-agent-token", createdDaysAgo: 300, rotatedDaysAgo: 300, expiresInDays: 65, grants: ["ci:agent-token", "github:org-member"] },
  { name: "terraform-cloud-runner", kind: "SERVICE_ACCOUNT", owner: "jonas.weber", system: "aws-prod", purpose: "Applies the infrastructure repository's Terraform plans to the production account.", keyPrefix: "iam-role/tf-runner", createdDaysAgo: 1100, rotatedDaysAgo: 95, expiresInDays: 270, grants: ["aws-prod:AdministratorAccess", "github:repo-write infrastructure"] },
  { name: "renovate-bot", kind: "OAUTH_APP", owner: "samuel.adeyemi", system: "github", purpose: "Opens dependency-update pull requests across the organisation.", keyPrefix: "gh-app-installation", createdDaysAgo: 700, rotatedDaysAgo: 700, grants: ["github:repo-write payments-core", "github:repo-write merchant-dashboard"] },
  { name: "github-release-bot-pat", kind: "API_KEY", owner: "samuel.adeyemi", system: "github", purpose: "Fine-grained token that writes release notes and tags for payments-core.", keyPrefix: "github-fgpat", createdDaysAgo: 175, rotatedDaysAgo: 175, expiresInDays: 5, grants: ["github:repo-write payments-core"] },

  // Data pipelines
  { name: "airflow-scheduler", kind: "SERVICE_ACCOUNT", owner: "sofia.alvarez", system: "dwh", purpose: "Runs the nightly extract from the production read replica into the warehouse's RAW database.", keyPrefix: "dwh-keypair/airflow", createdDaysAgo: 990, rotatedDaysAgo: 85, expiresInDays: 5, grants: ["dwh:loader", "prod-db:read-replica-select", "vault:read-prod-secrets"] },
  { name: "dbt-cloud-runner", kind: "SERVICE_ACCOUNT", owner: "sofia.alvarez", system: "dwh", purpose: "Builds the dbt models (staging and marts) every hour.", keyPrefix: "dwh-keypair/dbt", createdDaysAgo: 760, rotatedDaysAgo: 120, expiresInDays: 245, grants: ["dwh:transformer", "dwh:analytics-read"] },
  { name: "fivetran-connector", kind: "SERVICE_ACCOUNT", owner: "sofia.alvarez", system: "dwh", purpose: "Syncs Salesforce, Zendesk and Stripe reports into the warehouse.", keyPrefix: "dwh-keypair/fivetran", createdDaysAgo: 880, rotatedDaysAgo: 400, expiresInDays: -12, grants: ["dwh:loader", "salesforce:api-integration", "zendesk:api-token"] },
  { name: "legacy-reporting-bot", kind: "SERVICE_ACCOUNT", owner: "kevin.doyle", system: "dwh", purpose: "Emails the weekly merchant-volume report to the leadership list. Created for a 2023 board pack; nobody took it over when its owner left.", keyPrefix: "dwh-password/legacy", createdDaysAgo: 940, expiresInDays: -40, grants: ["dwh:analytics-read", "prod-db:read-replica-select"] },
  { name: "aws-access-key-settlement-etl", kind: "API_KEY", owner: "sofia.alvarez", system: "aws-prod", purpose: "Long-lived IAM user key that pulls card-scheme settlement files for the finance marts. Scheduled to move to a role.", keyPrefix: "iam-user/settlement-etl", createdDaysAgo: 1210, grants: ["aws-prod:S3-statements-read"] },

  // Payments
  { name: "payments-core-app", kind: "SERVICE_ACCOUNT", owner: "marcus.chen", system: "prod-db", purpose: "The payments-core application's database login (credentials issued by Vault, 24 h leases).", keyPrefix: "vault-dbrole/payments-core", createdDaysAgo: 1300, rotatedDaysAgo: 1, expiresInDays: 1, grants: ["prod-db:app-readwrite"] },
  { name: "flyway-migrator", kind: "SERVICE_ACCOUNT", owner: "marcus.chen", system: "prod-db", purpose: "Applies reviewed schema migrations during production deploys.", keyPrefix: "vault-dbrole/migrator", createdDaysAgo: 1250, rotatedDaysAgo: 1, expiresInDays: 1, grants: ["prod-db:migrations"] },
  { name: "pg-backup-operator", kind: "SERVICE_ACCOUNT", owner: "sofia.alvarez", system: "prod-db", purpose: "Takes base backups and ships WAL to the backup bucket.", keyPrefix: "pg-role/backup", createdDaysAgo: 1280, rotatedDaysAgo: 365, expiresInDays: 3, grants: ["prod-db:primary-select"] },
  { name: "ledger-reconciler", kind: "SERVICE_ACCOUNT", owner: "mateo.fernandez", system: "payments", purpose: "Matches Stripe balance transactions to ledger entries every night and opens breaks for Payments Ops.", keyPrefix: "svc-key/reconciler", createdDaysAgo: 540, rotatedDaysAgo: 60, expiresInDays: 120, grants: ["payments:ledger-view", "dwh:finance-marts-read"] },
  { name: "stripe-webhook-signing-key", kind: "API_KEY", owner: "marcus.chen", system: "payments", purpose: "Verifies and ingests Stripe webhook events (charges, refunds, disputes, payouts).", keyPrefix: "stripe-whsec-id", createdDaysAgo: 430, rotatedDaysAgo: 430, expiresInDays: -3, grants: ["payments:webhook-ingest"] },
  { name: "stripe-restricted-key-refunds", kind: "API_KEY", owner: "mateo.fernandez", system: "payments", purpose: "Restricted Stripe key used by refund-worker to execute approved refunds.", keyPrefix: "stripe-rk-id", createdDaysAgo: 300, rotatedDaysAgo: 90, expiresInDays: 2, grants: ["payments:refund-initiate"] },

  // Observability
  { name: "datadog-api-key", kind: "API_KEY", owner: "aisha.bello", system: "datadog", purpose: "Agents and the CI pipeline submit metrics, logs and deploy events with it.", keyPrefix: "dd-api-key-id", createdDaysAgo: 1000, rotatedDaysAgo: 200, grants: ["datadog:standard"] },
  { name: "datadog-app-key-terraform", kind: "API_KEY", owner: "jonas.weber", system: "datadog", purpose: "Manages monitors and dashboards as code from the infrastructure repository.", keyPrefix: "dd-app-key-id", createdDaysAgo: 640, rotatedDaysAgo: 640, expiresInDays: 10, grants: ["datadog:admin"] },
  { name: "pagerduty-integration-key", kind: "API_KEY", owner: "aisha.bello", system: "datadog", purpose: "Routes Datadog alerts to the on-call rotations.", keyPrefix: "pd-integration", createdDaysAgo: 1150, grants: [] },
  { name: "slack-datadog-app", kind: "OAUTH_APP", owner: "aisha.bello", system: "datadog", purpose: "Posts monitor alerts and incident timelines to Slack channels.", keyPrefix: "oauth-client", createdDaysAgo: 800, rotatedDaysAgo: 800, grants: ["datadog:read-only"] },

  // Business systems
  { name: "Salesforce connected app", kind: "OAUTH_APP", owner: "emily.carter", system: "salesforce", purpose: "Connected app the warehouse sync and the merchant-onboarding service use to read and update accounts.", keyPrefix: "sf-consumer-key-id", createdDaysAgo: 720, rotatedDaysAgo: 350, expiresInDays: 15, grants: ["salesforce:api-integration"] },
  { name: "zendesk-salesforce-sync", kind: "OAUTH_APP", owner: "lucia.romero", system: "zendesk", purpose: "Links Zendesk tickets to Salesforce accounts and copies case status both ways.", keyPrefix: "oauth-client", createdDaysAgo: 690, rotatedDaysAgo: 690, grants: ["salesforce:read-only", "zendesk:agent"] },
  { name: "zendesk-api-token", kind: "API_KEY", owner: "dmitri.volkov", system: "zendesk", purpose: "Token the support tooling uses to bulk-tag and route tickets.", keyPrefix: "zd-token-id", createdDaysAgo: 510, rotatedDaysAgo: 510, expiresInDays: -1, grants: ["zendesk:api-token"] },
  { name: "okta-workday-sync", kind: "SERVICE_ACCOUNT", owner: "thomas.brennan", system: "okta", purpose: "Imports joiners, movers and leavers from Workday into Okta every 30 minutes.", keyPrefix: "okta-api-token-id", createdDaysAgo: 1400, rotatedDaysAgo: 150, expiresInDays: 30, grants: ["workday:integration-system-user", "okta:read-only-admin"] },
  { name: "scim-provisioner", kind: "SERVICE_ACCOUNT", owner: "grace.kim", system: "okta", purpose: "Pushes users and groups from Okta to GitHub, Datadog and Zendesk over SCIM.", keyPrefix: "okta-api-token-id", createdDaysAgo: 600, rotatedDaysAgo: 100, expiresInDays: 80, grants: ["okta:app-admin"] },
  { name: "workspace-backup-app", kind: "OAUTH_APP", owner: "thomas.brennan", system: "gws", purpose: "Third-party backup of mail and shared drives (domain-wide delegation, read-only scopes).", keyPrefix: "gcp-sa-key", createdDaysAgo: 1020, rotatedDaysAgo: 1020, grants: ["gws:groups-admin"] },
  { name: "workday-payroll-export", kind: "SERVICE_ACCOUNT", owner: "sarah.whitfield", system: "workday", purpose: "Sends the monthly payroll file to the payroll provider over SFTP.", keyPrefix: "sftp-key", createdDaysAgo: 880, rotatedDaysAgo: 365, expiresInDays: 20, grants: ["workday:integration-system-user"] },

  // Secrets and platform
  { name: "vault-k8s-auth", kind: "SERVICE_ACCOUNT", owner: "omar.haddad", system: "vault", purpose: "Lets Kubernetes service accounts authenticate to Vault (token reviewer).", keyPrefix: "k8s-token-reviewer", createdDaysAgo: 720, rotatedDaysAgo: 40, expiresInDays: 325, grants: ["k8s-prod:view"] },
  { name: "vault-audit-shipper", kind: "SERVICE_ACCOUNT", owner: "omar.haddad", system: "vault", purpose: "Ships Vault audit logs to Datadog and the security data lake.", keyPrefix: "svc-key/audit-shipper", createdDaysAgo: 500, rotatedDaysAgo: 200, expiresInDays: 165, grants: ["datadog:standard"] },

  // Workloads (Kubernetes service accounts: projected, hour-long tokens, so no credential expiry to track)
  { name: "k8s:payments/payments-api", kind: "WORKLOAD", owner: "marcus.chen", system: "k8s-prod", purpose: "The public payments API (authorisations, captures, refunds).", keyPrefix: "k8s-sa-uid", createdDaysAgo: 1300, grants: ["vault:read-prod-secrets", "prod-db:app-readwrite"] },
  { name: "k8s:payments/refund-worker", kind: "WORKLOAD", owner: "marcus.chen", system: "k8s-prod", purpose: "Executes approved refunds against Stripe and posts them to the ledger.", keyPrefix: "k8s-sa-uid", createdDaysAgo: 700, grants: ["vault:read-prod-secrets", "prod-db:app-readwrite"] },
  { name: "k8s:risk/fraud-scoring", kind: "WORKLOAD", owner: "kenji.watanabe", system: "k8s-prod", purpose: "Scores every authorisation for fraud risk in real time.", keyPrefix: "k8s-sa-uid", createdDaysAgo: 650, grants: ["vault:read-prod-secrets", "dwh:analytics-read"] },
  { name: "k8s:merchant/dashboard-bff", kind: "WORKLOAD", owner: "laura.bianchi", system: "k8s-prod", purpose: "Backend for the merchant dashboard; reads balances and payouts.", keyPrefix: "k8s-sa-uid", createdDaysAgo: 580, grants: ["prod-db:read-replica-select", "payments:ledger-view"] },
  { name: "k8s:platform/cert-manager", kind: "WORKLOAD", owner: "jonas.weber", system: "k8s-prod", purpose: "Issues and renews internal TLS certificates.", keyPrefix: "k8s-sa-uid", createdDaysAgo: 900, grants: ["vault:pki-issuer"] },
  { name: "k8s:platform/external-dns", kind: "WORKLOAD", owner: "jonas.weber", system: "k8s-prod", purpose: "Keeps Route 53 records in step with ingress objects.", keyPrefix: "k8s-sa-uid", createdDaysAgo: 900, grants: ["k8s-prod:view"] },
  { name: "k8s:observability/datadog-agent", kind: "WORKLOAD", owner: "aisha.bello", system: "k8s-prod", purpose: "Collects metrics, logs and traces from every node.", keyPrefix: "k8s-sa-uid", createdDaysAgo: 950, grants: ["k8s-prod:view"] },
  { name: "k8s:data/airflow-workers", kind: "WORKLOAD", owner: "sofia.alvarez", system: "k8s-prod", purpose: "Airflow task pods for the warehouse pipelines.", keyPrefix: "k8s-sa-uid", createdDaysAgo: 420, grants: ["vault:read-dev-secrets"] },

  // AI agents
  { name: "support-triage-agent", kind: "AI_AGENT", owner: "dmitri.volkov", system: "zendesk", purpose: "Classifies incoming merchant tickets, drafts replies for an agent to review, and flags suspected fraud to Risk. Never sends replies itself.", keyPrefix: "agent-key", createdDaysAgo: 120, rotatedDaysAgo: 30, expiresInDays: 60, grants: ["zendesk:agent", "salesforce:read-only", "payments:ledger-view"] },
  { name: "code-review-assistant", kind: "AI_AGENT", owner: "samuel.adeyemi", system: "github", purpose: "Leaves review comments on pull requests in payments-core and merchant-dashboard. Cannot approve or merge.", keyPrefix: "gh-app-installation", createdDaysAgo: 95, rotatedDaysAgo: 95, expiresInDays: 270, grants: ["github:org-member"] },
  { name: "finance-close-assistant", kind: "AI_AGENT", owner: "catherine.wu", system: "dwh", purpose: "Prepares month-end variance explanations from the finance marts for the controller to review.", keyPrefix: "dwh-keypair/close-agent", createdDaysAgo: 60, expiresInDays: 4, grants: ["dwh:finance-marts-read"] },
];

/** Global roles. */
export const ROLE_ASSIGNMENTS: { person: string; role: "ADMIN" | "SECURITY" | "AUDITOR" }[] = [
  { person: "grace.kim", role: "ADMIN" },
  { person: "omar.haddad", role: "SECURITY" },
  { person: "yusuf.demir", role: "SECURITY" },
  { person: "ruth.okafor", role: "AUDITOR" },
  { person: "hiroshi.tanaka", role: "AUDITOR" },
];
