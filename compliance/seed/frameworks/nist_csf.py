"""NIST Cybersecurity Framework 2.0: 6 functions, 22 categories, 106 subcategories (our paraphrases)."""

FRAMEWORK = {
    "code": "nist_csf",
    "name": "NIST Cybersecurity Framework",
    "version": "2.0",
    "issuer": "NIST",
    "description": "Functions, categories and subcategories of the NIST CSF 2.0 Core.",
}

OUTLINE = """
+ GV | Govern
  + GV.OC | Organisational context
    - GV.OC-01 | The mission is understood and guides cyber risk management
    - GV.OC-02 | Stakeholder needs and expectations on cyber risk are understood
    - GV.OC-03 | Legal, regulatory and contractual cyber requirements are managed
    - GV.OC-04 | Objectives and services that others rely on are understood
    - GV.OC-05 | Outcomes and services the organisation depends on are understood
  + GV.RM | Risk management strategy
    - GV.RM-01 | Risk management objectives are agreed by stakeholders
    - GV.RM-02 | Risk appetite and tolerance are stated and maintained
    - GV.RM-03 | Cyber risk is part of enterprise risk management
    - GV.RM-04 | A strategic direction for risk responses is set
    - GV.RM-05 | Lines of communication about cyber risk are established
    - GV.RM-06 | Risks are measured and prioritised in a standard way
    - GV.RM-07 | Strategic opportunities are part of risk discussions
  + GV.RR | Roles, responsibilities and authorities
    - GV.RR-01 | Leadership is accountable for cyber risk
    - GV.RR-02 | Cyber risk roles are set, communicated and enforced
    - GV.RR-03 | Resources match the cyber risk strategy
    - GV.RR-04 | Cybersecurity is part of human resources practice
  + GV.PO | Policy
    - GV.PO-01 | A cyber risk policy is established and communicated
    - GV.PO-02 | The policy is reviewed and updated as things change
  + GV.OV | Oversight
    - GV.OV-01 | Strategy outcomes are reviewed to adjust direction
    - GV.OV-02 | The strategy is reviewed for coverage of requirements and risks
    - GV.OV-03 | Risk management performance is evaluated
  + GV.SC | Cybersecurity supply chain risk management
    - GV.SC-01 | A supply chain risk programme is established
    - GV.SC-02 | Supplier and partner cyber roles are defined
    - GV.SC-03 | Supply chain risk is part of enterprise risk management
    - GV.SC-04 | Suppliers are known and ranked by criticality
    - GV.SC-05 | Cyber requirements are written into supplier contracts
    - GV.SC-06 | Due diligence happens before a supplier relationship begins
    - GV.SC-07 | Supplier risks are tracked throughout the relationship
    - GV.SC-08 | Suppliers take part in incident planning and response
    - GV.SC-09 | Supply chain security is part of the product life cycle
    - GV.SC-10 | Plans cover what happens when a relationship ends
+ ID | Identify
  + ID.AM | Asset management
    - ID.AM-01 | Hardware inventories are maintained
    - ID.AM-02 | Software, service and system inventories are maintained
    - ID.AM-03 | Network communication and data flows are documented
    - ID.AM-04 | Services provided by suppliers are inventoried
    - ID.AM-05 | Assets are prioritised by classification and criticality
    - ID.AM-07 | Data and metadata inventories are maintained
    - ID.AM-08 | Assets are managed through their life cycle
  + ID.RA | Risk assessment
    - ID.RA-01 | Asset vulnerabilities are found and recorded
    - ID.RA-02 | Threat intelligence is received from forums and sources
    - ID.RA-03 | Internal and external threats are identified
    - ID.RA-04 | Impacts and likelihoods of threats are estimated
    - ID.RA-05 | Inherent risk is understood and prioritised
    - ID.RA-06 | Risk responses are chosen, planned and tracked
    - ID.RA-07 | Changes and exceptions are managed for their risk
    - ID.RA-08 | Vulnerability disclosures are received and handled
    - ID.RA-09 | Hardware and software authenticity is checked before use
    - ID.RA-10 | Critical suppliers are assessed before acquisition
  + ID.IM | Improvement
    - ID.IM-01 | Evaluations drive improvements
    - ID.IM-02 | Tests and exercises drive improvements
    - ID.IM-03 | Operational lessons drive improvements
    - ID.IM-04 | Incident response and other cyber plans are maintained
+ PR | Protect
  + PR.AA | Identity management, authentication and access control
    - PR.AA-01 | Identities and credentials are managed
    - PR.AA-02 | Identities are proofed and bound to credentials
    - PR.AA-03 | Users, services and hardware are authenticated
    - PR.AA-04 | Identity assertions are protected and verified
    - PR.AA-05 | Access permissions follow least privilege and separation of duties
    - PR.AA-06 | Physical access to assets is managed
  + PR.AT | Awareness and training
    - PR.AT-01 | Personnel receive cyber awareness training
    - PR.AT-02 | People in specialised roles receive role training
  + PR.DS | Data security
    - PR.DS-01 | Data at rest is protected
    - PR.DS-02 | Data in transit is protected
    - PR.DS-10 | Data in use is protected
    - PR.DS-11 | Backups are made, protected, kept and tested
  + PR.PS | Platform security
    - PR.PS-01 | Configuration management practices are applied
    - PR.PS-02 | Software is maintained, replaced and removed by risk
    - PR.PS-03 | Hardware is maintained, replaced and removed by risk
    - PR.PS-04 | Log records are generated for continuous monitoring
    - PR.PS-05 | Unauthorised software is prevented from running
    - PR.PS-06 | Secure software development practices are followed
  + PR.IR | Technology infrastructure resilience
    - PR.IR-01 | Networks and environments are protected from unauthorised access
    - PR.IR-02 | Technology assets are protected from environmental threats
    - PR.IR-03 | Resilience mechanisms cover normal and adverse situations
    - PR.IR-04 | Enough resource capacity is maintained
+ DE | Detect
  + DE.CM | Continuous monitoring
    - DE.CM-01 | Networks and network services are monitored
    - DE.CM-02 | The physical environment is monitored
    - DE.CM-03 | Personnel activity and technology use are monitored
    - DE.CM-06 | External service provider activity is monitored
    - DE.CM-09 | Hardware, software, runtimes and data are monitored
  + DE.AE | Adverse event analysis
    - DE.AE-02 | Potentially adverse events are analysed
    - DE.AE-03 | Information is correlated from several sources
    - DE.AE-04 | The impact and scope of adverse events are estimated
    - DE.AE-06 | Adverse event information goes to authorised staff and tools
    - DE.AE-07 | Threat intelligence and context feed the analysis
    - DE.AE-08 | Incidents are declared when criteria are met
+ RS | Respond
  + RS.MA | Incident management
    - RS.MA-01 | The incident response plan is executed with third parties
    - RS.MA-02 | Incident reports are triaged and validated
    - RS.MA-03 | Incidents are categorised and prioritised
    - RS.MA-04 | Incidents are escalated as needed
    - RS.MA-05 | Criteria for starting recovery are applied
  + RS.AN | Incident analysis
    - RS.AN-03 | Analysis establishes what happened and the root cause
    - RS.AN-06 | Investigation actions are recorded with integrity
    - RS.AN-07 | Incident data and metadata are collected and preserved
    - RS.AN-08 | The magnitude of an incident is estimated and validated
  + RS.CO | Incident response reporting and communication
    - RS.CO-02 | Stakeholders are notified of incidents
    - RS.CO-03 | Information is shared with designated stakeholders
  + RS.MI | Incident mitigation
    - RS.MI-01 | Incidents are contained
    - RS.MI-02 | Incidents are eradicated
+ RC | Recover
  + RC.RP | Incident recovery plan execution
    - RC.RP-01 | The recovery part of the response plan is executed
    - RC.RP-02 | Recovery actions are selected, scoped and performed
    - RC.RP-03 | Backups are checked for integrity before restoring
    - RC.RP-04 | Critical functions shape the post-incident norm
    - RC.RP-05 | Restored assets are verified and returned to service
    - RC.RP-06 | The end of recovery is declared and documented
  + RC.CO | Incident recovery communication
    - RC.CO-03 | Recovery progress is communicated to stakeholders
    - RC.CO-04 | Public updates are shared through approved channels
"""
