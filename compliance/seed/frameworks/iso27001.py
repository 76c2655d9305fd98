"""ISO/IEC 27001:2022 Annex A: the 93 reference controls in four themes. Titles are our short forms."""

FRAMEWORK = {
    "code": "iso27001",
    "name": "ISO/IEC 27001",
    "version": "2022",
    "issuer": "ISO/IEC",
    "description": "Annex A reference controls of ISO/IEC 27001:2022 in four themes: "
    "organisational, people, physical and technological.",
}

OUTLINE = """
+ A.5 | Organisational controls
  - A.5.1 | Information security policies
  - A.5.2 | Security roles and responsibilities
  - A.5.3 | Separation of conflicting duties
  - A.5.4 | Management's security responsibilities
  - A.5.5 | Contact with authorities
  - A.5.6 | Contact with special interest groups
  - A.5.7 | Threat intelligence
  - A.5.8 | Security in project management
  - A.5.9 | Inventory of information and related assets
  - A.5.10 | Acceptable use of information and assets
  - A.5.11 | Return of assets
  - A.5.12 | Classification of information
  - A.5.13 | Labelling of information
  - A.5.14 | Transfer of information
  - A.5.15 | Access control
  - A.5.16 | Identity management
  - A.5.17 | Authentication information
  - A.5.18 | Access rights
  - A.5.19 | Security in supplier relationships
  - A.5.20 | Security in supplier agreements
  - A.5.21 | Security in the ICT supply chain
  - A.5.22 | Monitoring and change of supplier services
  - A.5.23 | Security of cloud service use
  - A.5.24 | Incident management planning and preparation
  - A.5.25 | Assessing security events
  - A.5.26 | Responding to security incidents
  - A.5.27 | Learning from security incidents
  - A.5.28 | Collecting evidence
  - A.5.29 | Security during disruption
  - A.5.30 | ICT readiness for business continuity
  - A.5.31 | Legal, regulatory and contractual requirements
  - A.5.32 | Intellectual property rights
  - A.5.33 | Protection of records
  - A.5.34 | Privacy and protection of personal data
  - A.5.35 | Independent review of information security
  - A.5.36 | Conformance with security policies and standards
  - A.5.37 | Documented operating procedures
+ A.6 | People controls
  - A.6.1 | Background screening
  - A.6.2 | Employment terms and conditions
  - A.6.3 | Security awareness, education and training
  - A.6.4 | Disciplinary process
  - A.6.5 | Duties after termination or change of employment
  - A.6.6 | Confidentiality and non-disclosure agreements
  - A.6.7 | Remote working
  - A.6.8 | Reporting security events
+ A.7 | Physical controls
  - A.7.1 | Physical security perimeters
  - A.7.2 | Physical entry controls
  - A.7.3 | Securing offices, rooms and facilities
  - A.7.4 | Physical security monitoring
  - A.7.5 | Protection against physical and environmental threats
  - A.7.6 | Working in secure areas
  - A.7.7 | Clear desk and clear screen
  - A.7.8 | Siting and protecting equipment
  - A.7.9 | Security of assets off-premises
  - A.7.10 | Storage media
  - A.7.11 | Supporting utilities
  - A.7.12 | Cabling security
  - A.7.13 | Equipment maintenance
  - A.7.14 | Secure disposal or reuse of equipment
+ A.8 | Technological controls
  - A.8.1 | User endpoint devices
  - A.8.2 | Privileged access rights
  - A.8.3 | Restricting access to information
  - A.8.4 | Access to source code
  - A.8.5 | Secure authentication
  - A.8.6 | Capacity management
  - A.8.7 | Protection against malware
  - A.8.8 | Managing technical vulnerabilities
  - A.8.9 | Configuration management
  - A.8.10 | Deleting information
  - A.8.11 | Data masking
  - A.8.12 | Preventing data leakage
  - A.8.13 | Information backup
  - A.8.14 | Redundant processing facilities
  - A.8.15 | Logging
  - A.8.16 | Monitoring activities
  - A.8.17 | Clock synchronisation
  - A.8.18 | Use of privileged utility programs
  - A.8.19 | Installing software on operational systems
  - A.8.20 | Network security
  - A.8.21 | Security of network services
  - A.8.22 | Network segregation
  - A.8.23 | Web filtering
  - A.8.24 | Use of cryptography
  - A.8.25 | Secure development life cycle
  - A.8.26 | Application security requirements
  - A.8.27 | Secure architecture and engineering principles
  - A.8.28 | Secure coding
  - A.8.29 | Security testing in development and acceptance
  - A.8.30 | Outsourced development
  - A.8.31 | Separating development, test and production
  - A.8.32 | Change management
  - A.8.33 | Test information
  - A.8.34 | Protecting systems during audit testing
"""
