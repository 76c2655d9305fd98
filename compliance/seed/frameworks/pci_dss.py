"""PCI DSS v4.0: the 12 principal requirements and their sub-requirements. Titles are our paraphrases."""

FRAMEWORK = {
    "code": "pci_dss",
    "name": "PCI DSS",
    "version": "4.0",
    "issuer": "PCI Security Standards Council",
    "description": "Payment Card Industry Data Security Standard: 12 requirements for protecting "
    "account data, with their sub-requirements.",
}

OUTLINE = """
+ 1 | Install and maintain network security controls
  - 1.1 | Network security control processes are defined and understood
  - 1.2 | Network security controls are configured and maintained
  - 1.3 | Network access to and from the cardholder data environment is restricted
  - 1.4 | Connections between trusted and untrusted networks are controlled
  - 1.5 | Devices that connect to both untrusted networks and the CDE are protected
+ 2 | Apply secure configurations to all system components
  - 2.1 | Secure configuration processes are defined and understood
  - 2.2 | System components are configured and managed securely
  - 2.3 | Wireless environments are configured and managed securely
+ 3 | Protect stored account data
  - 3.1 | Account data protection processes are defined and understood
  - 3.2 | Storage of account data is kept to a minimum
  - 3.3 | Sensitive authentication data is not kept after authorisation
  - 3.4 | Display and copying of full PAN is restricted
  - 3.5 | PAN is secured wherever it is stored
  - 3.6 | Cryptographic keys protecting stored account data are secured
  - 3.7 | Key management covers the whole key life cycle
+ 4 | Protect cardholder data with strong cryptography in transit over open networks
  - 4.1 | Transmission protection processes are defined and understood
  - 4.2 | PAN is protected with strong cryptography during transmission
+ 5 | Protect all systems and networks from malicious software
  - 5.1 | Anti-malware processes are defined and understood
  - 5.2 | Malware is prevented, or detected and addressed
  - 5.3 | Anti-malware mechanisms are active, maintained and monitored
  - 5.4 | Users are protected against phishing
+ 6 | Develop and maintain secure systems and software
  - 6.1 | Secure development processes are defined and understood
  - 6.2 | Bespoke and custom software is developed securely
  - 6.3 | Security vulnerabilities are identified and addressed
  - 6.4 | Public-facing web applications are protected against attacks
  - 6.5 | Changes to system components are managed securely
+ 7 | Restrict access to system components and cardholder data by business need to know
  - 7.1 | Access restriction processes are defined and understood
  - 7.2 | Access is defined and assigned appropriately
  - 7.3 | Access is managed through an access control system
+ 8 | Identify users and authenticate access to system components
  - 8.1 | Identification and authentication processes are defined and understood
  - 8.2 | User identification and accounts are managed through their life cycle
  - 8.3 | Strong authentication is established for users and administrators
  - 8.4 | Multi-factor authentication protects access into the CDE
  - 8.5 | MFA systems are configured to prevent misuse
  - 8.6 | Application and system accounts and their credentials are managed
+ 9 | Restrict physical access to cardholder data
  - 9.1 | Physical security processes are defined and understood
  - 9.2 | Physical entry controls manage access to the CDE
  - 9.3 | Physical access for staff and visitors is authorised and managed
  - 9.4 | Media holding cardholder data is secured
  - 9.5 | Point-of-interaction devices are protected from tampering
+ 10 | Log and monitor all access to system components and cardholder data
  - 10.1 | Logging and monitoring processes are defined and understood
  - 10.2 | Audit logs record user activity and anomalies
  - 10.3 | Audit logs are protected from change and destruction
  - 10.4 | Audit logs are reviewed to find anomalies
  - 10.5 | Audit log history is kept and available for analysis
  - 10.6 | Clocks are synchronised consistently
  - 10.7 | Failures of critical security controls are detected and handled promptly
+ 11 | Test security of systems and networks regularly
  - 11.1 | Security testing processes are defined and understood
  - 11.2 | Wireless access points are identified and monitored
  - 11.3 | Vulnerabilities are found by scans and fixed
  - 11.4 | Penetration tests are performed and findings corrected
  - 11.5 | Intrusions and unexpected file changes are detected and answered
  - 11.6 | Unauthorised changes to payment pages are detected
+ 12 | Support information security with organisational policies and programmes
  - 12.1 | An information security policy is known and current
  - 12.2 | Acceptable use policies for end-user technology are in place
  - 12.3 | Risks to the cardholder data environment are identified and managed
  - 12.4 | PCI DSS compliance is managed by accountable people
  - 12.5 | PCI DSS scope is documented and confirmed
  - 12.6 | Staff receive ongoing security awareness education
  - 12.7 | Staff are screened to reduce insider risk
  - 12.8 | Risks from third-party service providers are managed
  - 12.9 | Service providers support their customers' compliance
  - 12.10 | Suspected and confirmed incidents are responded to immediately
"""
