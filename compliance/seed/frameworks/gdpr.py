"""GDPR (Regulation (EU) 2016/679): the articles that place obligations on controllers and processors."""

FRAMEWORK = {
    "code": "gdpr",
    "name": "GDPR",
    "version": "2016/679",
    "issuer": "European Union",
    "description": "General Data Protection Regulation: the articles that carry obligations, grouped by chapter.",
}

OUTLINE = """
+ Ch.II | Principles
  - Art.5 | Process personal data lawfully, fairly, minimally and accountably
  - Art.6 | Have a lawful basis for every processing activity
  - Art.7 | Obtain, prove and allow withdrawal of consent
  - Art.8 | Get parental consent for children's online services
  - Art.9 | Process special categories of data only under an exception
  - Art.10 | Limit processing of criminal conviction data
  - Art.11 | Handle processing that does not need identification
+ Ch.III | Rights of the data subject
  - Art.12 | Communicate transparently and answer requests in time
  - Art.13 | Inform people when collecting data from them
  - Art.14 | Inform people when data comes from elsewhere
  - Art.15 | Give people access to their data
  - Art.16 | Correct inaccurate data on request
  - Art.17 | Erase data when the right to erasure applies
  - Art.18 | Restrict processing on request
  - Art.19 | Tell recipients about corrections, erasure and restriction
  - Art.20 | Provide data in a portable format
  - Art.21 | Honour objections to processing
  - Art.22 | Safeguard people from solely automated decisions
+ Ch.IV | Controller and processor
  - Art.24 | Implement measures and be able to show compliance
  - Art.25 | Build data protection in by design and by default
  - Art.26 | Set out joint controllers' responsibilities
  - Art.27 | Appoint an EU representative when established outside the EU
  - Art.28 | Use processors only under a compliant contract
  - Art.29 | Process only on the controller's instructions
  - Art.30 | Keep records of processing activities
  - Art.31 | Cooperate with the supervisory authority
  - Art.32 | Secure processing with appropriate measures
  - Art.33 | Notify the authority of a personal data breach within 72 hours
  - Art.34 | Tell affected people about a high-risk breach
  - Art.35 | Assess the impact of high-risk processing
  - Art.36 | Consult the authority before high residual-risk processing
  - Art.37 | Designate a data protection officer where required
  - Art.38 | Give the data protection officer independence and resources
  - Art.39 | Let the data protection officer carry out their tasks
+ Ch.V | Transfers to third countries
  - Art.44 | Transfer data outside the EU only under the chapter's conditions
  - Art.45 | Rely on adequacy decisions where they exist
  - Art.46 | Use appropriate safeguards such as standard contractual clauses
  - Art.47 | Have binding corporate rules approved before relying on them
  - Art.48 | Do not disclose on foreign orders without an international agreement
  - Art.49 | Use derogations only for specific situations
"""
