"""SOC 2: AICPA Trust Services Criteria (2017, points of focus revised 2022). Titles are our paraphrases."""

FRAMEWORK = {
    "code": "soc2",
    "name": "SOC 2",
    "version": "2017 TSC",
    "issuer": "AICPA",
    "description": "Trust Services Criteria for security, availability, processing integrity, "
    "confidentiality and privacy, used for SOC 2 examinations.",
}

OUTLINE = """
+ CC1 | Control environment
  - CC1.1 | The organisation shows commitment to integrity and ethics
  - CC1.2 | The board is independent and oversees internal control
  - CC1.3 | Management sets structures, reporting lines and authority
  - CC1.4 | The organisation attracts, develops and keeps competent people
  - CC1.5 | People are held accountable for their internal control duties
+ CC2 | Communication and information
  - CC2.1 | Relevant, good-quality information supports internal control
  - CC2.2 | Objectives and control responsibilities are communicated internally
  - CC2.3 | Matters affecting internal control are communicated to external parties
+ CC3 | Risk assessment
  - CC3.1 | Objectives are specific enough to identify and assess risks
  - CC3.2 | Risks to objectives are identified and analysed
  - CC3.3 | The potential for fraud is considered when assessing risk
  - CC3.4 | Changes that could affect internal control are identified and assessed
+ CC4 | Monitoring activities
  - CC4.1 | Ongoing and separate evaluations check that controls are present and working
  - CC4.2 | Control deficiencies are evaluated and reported in time to those who act
+ CC5 | Control activities
  - CC5.1 | Control activities are chosen to reduce risks to acceptable levels
  - CC5.2 | General controls over technology are chosen and developed
  - CC5.3 | Controls are put in place through policies and procedures
+ CC6 | Logical and physical access controls
  - CC6.1 | Logical access software, infrastructure and architecture protect information assets
  - CC6.2 | Users are registered and authorised before they receive credentials
  - CC6.3 | Access is granted, changed and removed by role, least privilege and review
  - CC6.4 | Physical access to facilities and protected assets is restricted
  - CC6.5 | Protection is kept until data is removed from disposed assets
  - CC6.6 | Threats from outside the system boundary are kept out
  - CC6.7 | Movement and transmission of information is limited to authorised parties
  - CC6.8 | Unauthorised or malicious software is prevented or detected
+ CC7 | System operations
  - CC7.1 | Configuration changes and new vulnerabilities are detected
  - CC7.2 | System components are monitored for anomalies that indicate attacks or errors
  - CC7.3 | Security events are evaluated to decide whether they are incidents
  - CC7.4 | Security incidents are responded to under a defined programme
  - CC7.5 | The organisation recovers from security incidents
+ CC8 | Change management
  - CC8.1 | Changes are authorised, designed, tested, approved and implemented in a controlled way
+ CC9 | Risk mitigation
  - CC9.1 | Risks from business disruption are identified and mitigated
  - CC9.2 | Risks from vendors and business partners are assessed and managed
+ A1 | Additional criteria for availability
  - A1.1 | Processing capacity is monitored and managed to meet demand
  - A1.2 | Environmental protection, backups and recovery infrastructure are in place
  - A1.3 | Recovery procedures are tested
+ C1 | Additional criteria for confidentiality
  - C1.1 | Confidential information is identified and protected
  - C1.2 | Confidential information is disposed of when no longer needed
+ PI1 | Additional criteria for processing integrity
  - PI1.1 | Information about processing objectives and specifications is defined and used
  - PI1.2 | System inputs are complete and accurate
  - PI1.3 | Processing is complete, accurate and timely
  - PI1.4 | Outputs are complete, accurate and go only to intended recipients
  - PI1.5 | Stored inputs, items in processing and outputs stay complete and accurate
+ P | Additional criteria for privacy
  + P1 | Notice
    - P1.1 | Data subjects are told about privacy practices
  + P2 | Choice and consent
    - P2.1 | Choices are communicated and consent is obtained where required
  + P3 | Collection
    - P3.1 | Personal information is collected only for the stated objectives
    - P3.2 | Explicit consent is obtained when the law requires it
  + P4 | Use, retention and disposal
    - P4.1 | Personal information is used only for the stated objectives
    - P4.2 | Personal information is kept only as long as needed
    - P4.3 | Personal information is securely disposed of
  + P5 | Access
    - P5.1 | Data subjects can see their personal information
    - P5.2 | Data subjects can have their personal information corrected
  + P6 | Disclosure and notification
    - P6.1 | Personal information goes to third parties only with consent or lawful basis
    - P6.2 | Authorised disclosures are recorded
    - P6.3 | Unauthorised disclosures are recorded
    - P6.4 | Third parties commit to privacy obligations and are checked
    - P6.5 | Third parties report unauthorised disclosures
    - P6.6 | Affected people are told about breaches and incidents
    - P6.7 | Data subjects can obtain an account of disclosures
  + P7 | Quality
    - P7.1 | Personal information is kept accurate, complete and relevant
  + P8 | Monitoring and enforcement
    - P8.1 | Privacy inquiries, complaints and disputes are handled and resolved
"""
