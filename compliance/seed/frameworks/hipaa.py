"""HIPAA Security Rule (45 CFR Part 164, Subpart C): standards and implementation specifications.

(R) marks a required implementation specification, (A) an addressable one.
"""

FRAMEWORK = {
    "code": "hipaa",
    "name": "HIPAA Security Rule",
    "version": "45 CFR 164 Subpart C",
    "issuer": "U.S. Department of Health and Human Services",
    "description": "Administrative, physical and technical safeguards for electronic protected "
    "health information, with their implementation specifications.",
}

OUTLINE = """
+ 164.308 | Administrative safeguards
  - 164.308(a)(1) | Security management process
    - 164.308(a)(1)(ii)(A) | Risk analysis (R)
    - 164.308(a)(1)(ii)(B) | Risk management (R)
    - 164.308(a)(1)(ii)(C) | Sanctions for workforce violations (R)
    - 164.308(a)(1)(ii)(D) | Review of information system activity (R)
  - 164.308(a)(2) | Assigned security responsibility
  - 164.308(a)(3) | Workforce security
    - 164.308(a)(3)(ii)(A) | Authorisation and supervision of workforce (A)
    - 164.308(a)(3)(ii)(B) | Workforce clearance (A)
    - 164.308(a)(3)(ii)(C) | Termination procedures (A)
  - 164.308(a)(4) | Information access management
    - 164.308(a)(4)(ii)(A) | Isolating clearinghouse functions (R)
    - 164.308(a)(4)(ii)(B) | Access authorisation (A)
    - 164.308(a)(4)(ii)(C) | Granting and changing access (A)
  - 164.308(a)(5) | Security awareness and training
    - 164.308(a)(5)(ii)(A) | Periodic security reminders (A)
    - 164.308(a)(5)(ii)(B) | Guarding against malicious software (A)
    - 164.308(a)(5)(ii)(C) | Monitoring log-in attempts (A)
    - 164.308(a)(5)(ii)(D) | Password management (A)
  - 164.308(a)(6) | Security incident procedures
    - 164.308(a)(6)(ii) | Incident response and reporting (R)
  - 164.308(a)(7) | Contingency plan
    - 164.308(a)(7)(ii)(A) | Data backup plan (R)
    - 164.308(a)(7)(ii)(B) | Disaster recovery plan (R)
    - 164.308(a)(7)(ii)(C) | Emergency mode operation plan (R)
    - 164.308(a)(7)(ii)(D) | Testing and revising contingency plans (A)
    - 164.308(a)(7)(ii)(E) | Criticality analysis of applications and data (A)
  - 164.308(a)(8) | Periodic technical and non-technical evaluation
  - 164.308(b)(1) | Business associate contracts
    - 164.308(b)(3) | Written contract or other arrangement (R)
+ 164.310 | Physical safeguards
  - 164.310(a)(1) | Facility access controls
    - 164.310(a)(2)(i) | Contingency operations access (A)
    - 164.310(a)(2)(ii) | Facility security plan (A)
    - 164.310(a)(2)(iii) | Access control and validation procedures (A)
    - 164.310(a)(2)(iv) | Maintenance records for physical security (A)
  - 164.310(b) | Workstation use
  - 164.310(c) | Workstation security
  - 164.310(d)(1) | Device and media controls
    - 164.310(d)(2)(i) | Disposal of ePHI and media (R)
    - 164.310(d)(2)(ii) | Media reuse (R)
    - 164.310(d)(2)(iii) | Accountability for hardware and media movements (A)
    - 164.310(d)(2)(iv) | Backup before moving equipment (A)
+ 164.312 | Technical safeguards
  - 164.312(a)(1) | Access control
    - 164.312(a)(2)(i) | Unique user identification (R)
    - 164.312(a)(2)(ii) | Emergency access procedure (R)
    - 164.312(a)(2)(iii) | Automatic logoff (A)
    - 164.312(a)(2)(iv) | Encryption and decryption of ePHI (A)
  - 164.312(b) | Audit controls
  - 164.312(c)(1) | Integrity
    - 164.312(c)(2) | Mechanism to authenticate ePHI (A)
  - 164.312(d) | Person or entity authentication
  - 164.312(e)(1) | Transmission security
    - 164.312(e)(2)(i) | Integrity controls in transit (A)
    - 164.312(e)(2)(ii) | Encryption in transit (A)
+ 164.314 | Organisational requirements
  - 164.314(a)(1) | Business associate contracts or other arrangements
  - 164.314(b)(1) | Requirements for group health plans
+ 164.316 | Policies, procedures and documentation
  - 164.316(a) | Policies and procedures
  - 164.316(b)(1) | Documentation
    - 164.316(b)(2)(i) | Retain documentation for six years (R)
    - 164.316(b)(2)(ii) | Make documentation available (R)
    - 164.316(b)(2)(iii) | Review and update documentation (R)
"""
